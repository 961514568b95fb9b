// A rank-local fatal error: the last rank calls distributed_context::abort while the others wait
// in a barrier. expect_failure.cmake passes only if the whole job ends (rather than hangs) with the
// given exit code and the message "rank r: ...".

#include <infomorph/comm/distributed_context.hpp>
#include <infomorph/comm/mpi_environment.hpp>

int main(int argc, char** argv) {
    infomorph::mpi_environment environment(argc, argv);
    const infomorph::distributed_context context = infomorph::make_mpi_context();
    if (context.rank() == context.size() - 1) {
        context.abort(3, "deliberate rank-local failure");
    }
    context.barrier();
    return 0;
}
