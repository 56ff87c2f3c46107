// Prints 1 when OpenBLAS's cblas header and library are installed, else 0.
// binding.gyp calls this; GS_BLAS=0 forces the built-in GEMM.
const fs = require('node:fs');
if (process.env.GS_BLAS === '0') { console.log(0); process.exit(0); }
const headers = ['/usr/include/x86_64-linux-gnu/cblas.h', '/usr/include/aarch64-linux-gnu/cblas.h', '/usr/include/openblas/cblas.h', '/usr/include/cblas.h'];
const libs = ['/usr/lib/x86_64-linux-gnu/libopenblas.so', '/usr/lib/aarch64-linux-gnu/libopenblas.so', '/usr/lib/libopenblas.so', '/usr/lib64/libopenblas.so'];
const found = headers.some((h) => fs.existsSync(h)) && libs.some((l) => fs.existsSync(l));
console.log(found ? 1 : 0);
