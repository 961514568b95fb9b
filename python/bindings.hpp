#pragma once
// The parts of the Python extension infomorph._core, each added by its own file.

#include <pybind11/pybind11.h>

namespace infomorph::python {

void add_pid(pybind11::module_& m);    // pid_binding.cpp
void add_train(pybind11::module_& m);  // train_binding.cpp

}  // namespace infomorph::python
