// The compiled part of the Python package infomorph (python/infomorph/__init__.py re-exports it).

#include "bindings.hpp"

#include <infomorph/util/version.hpp>

PYBIND11_MODULE(_core, m) {
    m.doc() = "infomorph: the partial information decomposition of infomorphic networks";
    m.attr("__version__") = infomorph::library_version();
    infomorph::python::add_pid(m);
    infomorph::python::add_train(m);
}
