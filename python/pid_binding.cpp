// infomorph.pid: the PID of a joint distribution given as a numpy
// array, with the validation and messages of `infomorph pid` (io/pmf_csv.hpp).

#include "bindings.hpp"

#include <infomorph/io/pmf_csv.hpp>
#include <infomorph/pid/goal.hpp>
#include <infomorph/pid/lattice.hpp>
#include <infomorph/pid/shared_exclusion.hpp>

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace py = pybind11;

namespace {

using dense = py::array_t<double, py::array::c_style | py::array::forcecast>;

// The non-zero entries of p[s1, ..., sn, t] as outcomes (a zero entry is an outcome that does
// not occur), each with its flat (row-major) index into p.
struct entries {
    std::vector<infomorph::io::pmf_outcome> outcomes;
    std::vector<py::ssize_t> flat;
};

entries entries_of(const dense& p, int n_sources) {
    const auto ndim = static_cast<std::size_t>(p.ndim());
    entries result;
    std::vector<std::uint32_t> index(ndim, 0);
    const double* data = p.data();
    for (py::ssize_t flat = 0; flat < p.size(); ++flat) {
        // index of entry `flat` (row-major)
        py::ssize_t rest = flat;
        for (std::size_t d = ndim; d-- > 0;) {
            index[d] = static_cast<std::uint32_t>(rest % p.shape(static_cast<py::ssize_t>(d)));
            rest /= p.shape(static_cast<py::ssize_t>(d));
        }
        const double value = data[flat];
        if (value == 0.0) continue;
        infomorph::io::pmf_outcome o;
        o.sources.assign(index.begin(), index.begin() + n_sources);
        o.target = index[ndim - 1];
        o.p = value;  // make_pmf_table refuses NaN, infinities and negative values
        result.outcomes.push_back(std::move(o));
        result.flat.push_back(flat);
    }
    return result;
}

py::dict pid_of(const dense& p, std::optional<std::vector<double>> goal) {
    if (p.ndim() < 2)
        throw py::value_error("p must have one axis per source and a last one for the target "
                              "(p[s1, ..., sn, t]), got " + std::to_string(p.ndim()) + " axis");
    const int n_sources = static_cast<int>(p.ndim()) - 1;
    const entries given = entries_of(p, n_sources);
    const infomorph::io::pmf_table table = [&] {
        try {
            return infomorph::io::make_pmf_table(n_sources, given.outcomes, "infomorph.pid");
        } catch (const infomorph::io::pmf_csv_error& e) {
            throw py::value_error(e.what());
        }
    }();
    infomorph::pid::shared_exclusion_pid estimator(n_sources);
    const infomorph::pid::pid_values values = estimator.evaluate(table.joint.view());
    const auto& lattice = estimator.lattice();
    py::dict atoms, isx;
    for (std::size_t i = 0; i < lattice.size(); ++i) {
        atoms[py::str(lattice.name(i))] = values.atoms[i];
        isx[py::str(lattice.name(i))] = values.isx[i];
    }
    py::dict result;
    result["sources"] = n_sources;
    result["atoms"] = atoms;
    result["isx"] = isx;
    result["h_res"] = values.h_res;
    result["mutual_information"] = values.isx[lattice.full_index()];
    result["target_entropy"] = values.target_entropy;
    if (!goal) return result;
    // G = gamma . (atoms, h_res) and dG/dp for every entry of the normalised p (NaN where p is
    // 0: an outcome that does not occur has no cell whose mass could change).
    infomorph::pid::goal g = [&] {
        try {
            return infomorph::pid::goal::from_vector(n_sources, *goal);
        } catch (const std::exception& e) {
            throw py::value_error(std::string("goal: ") + e.what());
        }
    }();
    const auto view = table.joint.view();
    std::vector<double> cell_gradient(view.mass.size());
    const double value = estimator.goal_and_gradient(view, g, cell_gradient);
    dense gradient(std::vector<py::ssize_t>(p.shape(), p.shape() + p.ndim()));
    double* out = gradient.mutable_data();
    for (py::ssize_t i = 0; i < gradient.size(); ++i) out[i] = std::nan("");
    // The joint distribution numbers its cells in order of first appearance of their source
    // values, and its target index is the rank of the target value: map every outcome back.
    std::map<std::vector<std::uint32_t>, std::size_t> cell_of;
    const std::size_t n_targets = table.target_values.size();
    for (std::size_t k = 0; k < given.outcomes.size(); ++k) {
        const auto& o = given.outcomes[k];
        const std::size_t cell = cell_of.emplace(o.sources, cell_of.size()).first->second;
        const auto t = static_cast<std::size_t>(
            std::lower_bound(table.target_values.begin(), table.target_values.end(), o.target) -
            table.target_values.begin());
        out[given.flat[k]] = cell_gradient[cell * n_targets + t];
    }
    result["goal"] = value;
    result["gradient"] = gradient;
    return result;
}

}  // namespace

namespace infomorph::python {

void add_pid(py::module_& m) {
    m.def("pid", &pid_of, py::arg("p"), py::arg("goal") = py::none(),
          R"(The PID (shared-exclusion redundancy I_sx) of a joint distribution.

p[s1, ..., sn, t]: probabilities or counts (normalised here) of every combination of the n
source values (1 to 4 sources) and the target value; the same checks and messages as
`infomorph pid`. Returns {"sources", "atoms": {name: bits}, "isx", "h_res",
"mutual_information", "target_entropy"}; atoms in the lattice order of the goal vectors.)");
}

}  // namespace infomorph::python
