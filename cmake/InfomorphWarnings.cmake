# One interface target carries the project's warning and optimisation flags, so every target
# of ours gets the same ones and third-party code gets none.
add_library(infomorph_flags INTERFACE)
target_compile_options(infomorph_flags INTERFACE
    -Wall -Wextra -Wshadow -Wconversion -Wpedantic
    $<$<CONFIG:Release>:-O3>)
if(INFOMORPH_NATIVE)
    target_compile_options(infomorph_flags INTERFACE -march=native)
endif()
# Fused multiply-adds where the compiler sees a*b+c. Results stay independent of the rank and
# thread count because every quantity is always computed at the same place in the code (see
# model/kernels.cpp); they do change with the compiler and the CPU flags.
target_compile_options(infomorph_flags INTERFACE -ffp-contract=fast)
