{
  # The native engine. OpenBLAS is linked when its cblas header is found
  # (Debian: libopenblas-dev); otherwise the built-in GEMM is used.
  # GS_WERROR=1 turns warnings into errors (CI).
  "variables": {
    "gs_blas%": "<!(node tools/detect-blas.cjs)",
    "gs_werror%": "<!(node -p \"process.env.GS_WERROR === '1' ? 1 : 0\")"
  },
  "targets": [
    {
      "target_name": "gradserve",
      "sources": [
        "native/context.cc",
        "native/object_pool.cc",
        "native/tensor.cc",
        "native/kernels.cc",
        "native/autograd.cc",
        "native/registry.cc",
        "native/gemm.cc",
        "native/ir.cc",
        "native/json_text.cc",
        "<!@(node -p \"require('fs').readdirSync('native/ops').filter(f => f.endsWith('.cc')).map(f => 'native/ops/' + f).join(' ')\")",
        "<!@(node -p \"require('fs').readdirSync('native/optim').filter(f => f.endsWith('.cc')).map(f => 'native/optim/' + f).join(' ')\")",
        "<!@(node -p \"require('fs').readdirSync('native/addon').filter(f => f.endsWith('.cc')).map(f => 'native/addon/' + f).join(' ')\")"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++14", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-O3", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "conditions": [
        ["gs_blas==1", {
          "defines": ["GS_HAVE_CBLAS"],
          "include_dirs": ["/usr/include/x86_64-linux-gnu", "/usr/include/openblas"],
          "libraries": ["-lopenblas"]
        }],
        ["gs_werror==1", {
          "cflags_cc": ["-Werror"]
        }]
      ]
    }
  ]
}
