#include <infomorph/comm/mpi_environment.hpp>

#include <boost/mpi/environment.hpp>

namespace infomorph {

struct mpi_environment::impl {
    impl(int& argc, char**& argv)
        : owns(!boost::mpi::environment::initialized()),
          // abort_on_exception: destroyed during unwinding, it calls MPI_Abort, not MPI_Finalize.
          environment(argc, argv, boost::mpi::threading::funneled, true) {}

    bool owns;
    boost::mpi::environment environment;
};

mpi_environment::mpi_environment(int& argc, char**& argv)
    : impl_(std::make_unique<impl>(argc, argv)) {}

mpi_environment::~mpi_environment() = default;

bool mpi_environment::initialized() {
    return boost::mpi::environment::initialized() && !boost::mpi::environment::finalized();
}

bool mpi_environment::owns_mpi() const { return impl_->owns; }

}  // namespace infomorph
