// The engine's C++ op API (like ATen's at::): every op is a function on
// Tensors that computes its result and records its backward. Backward
// formulas call these same functions, which is what makes them
// differentiable. Each family lives in its own header and .cc file.
#pragma once
#include "activation.h"
#include "creation.h"
#include "elementwise.h"
#include "index.h"
#include "linalg.h"
#include "loss.h"
#include "reduce.h"
#include "shape.h"
