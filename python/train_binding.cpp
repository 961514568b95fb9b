// infomorph.train: a training run started from Python, the same run_training that `infomorph
// train` calls (so the same configuration checks, outputs and bits), on MPI_COMM_WORLD or on a
// communicator the caller passes (an mpi4py one, through its Fortran handle py2f(), so that the
// module needs mpi4py only when a communicator is passed).

#include "bindings.hpp"

#include <infomorph/comm/mpi_communicator.hpp>
#include <infomorph/train/run.hpp>

#include <mpi.h>

#include <string>
#include <vector>

namespace py = pybind11;

namespace infomorph::python {
namespace {

// MPI's lifetime in a Python process: whoever initialised it (mpi4py, say) finalises it; if
// this module initialised it, it finalises it when the interpreter exits.
void ensure_mpi() {
    int initialized = 0, finalized = 0;
    MPI_Initialized(&initialized);
    MPI_Finalized(&finalized);
    if (finalized) throw std::runtime_error("infomorph.train: MPI has already been finalised");
    if (initialized) return;
    int provided = 0;
    if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        throw std::runtime_error("infomorph.train: MPI_Init_thread failed");
    py::module_::import("atexit").attr("register")(py::cpp_function([] {
        int done = 0;
        MPI_Finalized(&done);
        if (!done) MPI_Finalize();
    }));
}

MPI_Comm communicator_of(const py::object& comm) {
    if (comm.is_none()) return MPI_COMM_WORLD;
    if (!py::hasattr(comm, "py2f"))
        throw py::type_error("infomorph.train: comm must be an MPI communicator with py2f() (an "
                             "mpi4py communicator such as MPI.COMM_WORLD), got " +
                             std::string(py::str(py::type::of(comm).attr("__name__"))));
    const MPI_Fint handle = comm.attr("py2f")().cast<MPI_Fint>();
    const MPI_Comm result = MPI_Comm_f2c(handle);
    if (result == MPI_COMM_NULL)
        throw py::value_error("infomorph.train: comm is MPI.COMM_NULL (this rank is not in it)");
    return result;
}

// "key=value" from a dict {key: value} (True -> true, numbers and strings as written) or a list
// of such strings, as --set takes them.
std::vector<std::string> overrides_of(const py::object& overrides) {
    std::vector<std::string> result;
    if (overrides.is_none()) return result;
    if (py::isinstance<py::dict>(overrides)) {
        for (auto [key, value] : overrides.cast<py::dict>()) {
            std::string text;
            if (py::isinstance<py::bool_>(value))
                text = value.cast<bool>() ? "true" : "false";
            else
                text = py::str(value);
            result.push_back(std::string(py::str(key)).append("=").append(text));
        }
        return result;
    }
    if (py::isinstance<py::str>(overrides))
        throw py::type_error("infomorph.train: overrides must be a dict or a list of "
                             "\"key=value\" strings, not one string");
    for (const auto& item : overrides) result.push_back(py::str(item));
    return result;
}

std::string train(const std::string& config, const py::object& overrides,
                  const std::string& resume, bool quiet, const py::object& comm) {
    run_options options;
    options.config_file = config;
    options.overrides = overrides_of(overrides);
    options.resume_from = resume;
    options.quiet = quiet;
    ensure_mpi();
    const distributed_context context = make_mpi_context(communicator_of(comm));
    std::filesystem::path output;
    int code = 0;
    {
        // Training takes minutes and uses its own threads: other Python threads may run.
        py::gil_scoped_release release;
        code = run_training(options, context, &output);
    }
    if (code == run_bad_input)
        throw py::value_error("infomorph.train: refused at setup, nothing trained (rank 0 printed "
                              "why on standard error: the configuration, data, checkpoint or "
                              "output directory)");
    if (code != run_succeeded)
        throw std::runtime_error("infomorph.train: failed with exit code " + std::to_string(code));
    return output.string();
}

}  // namespace

void add_train(py::module_& m) {
    m.def("train", &train, py::arg("config"), py::arg("overrides") = py::none(), py::kw_only(),
          py::arg("resume") = "", py::arg("quiet") = false, py::arg("comm") = py::none(),
          R"(Trains a network from a configuration file, as `infomorph train` does.

config: a TOML file (configs/). overrides: {"training.epochs": 2, ...} or ["training.epochs=2"],
as --set takes them. resume: a checkpoint.h5 to continue from. comm: an MPI communicator
(mpi4py), MPI.COMM_WORLD if None; call it on every rank of comm. Returns the output directory
(read it with infomorph.read_run). A configuration, data set or checkpoint that is refused
raises ValueError on every rank, with the reason on rank 0's standard error.)");
}

}  // namespace infomorph::python
