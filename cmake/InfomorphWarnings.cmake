# One interface target carries the project's warning and optimisation flags, so every target
# of ours gets the same ones and third-party code gets none.
add_library(infomorph_flags INTERFACE)
target_compile_options(infomorph_flags INTERFACE
    -Wall -Wextra -Wshadow -Wconversion -Wpedantic
    $<$<CONFIG:Release>:-O3>)
if(INFOMORPH_NATIVE)
    target_compile_options(infomorph_flags INTERFACE -march=native)
endif()
