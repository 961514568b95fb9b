#pragma once
// What a task read or generated as its input (data files, patterns): a fingerprint of the
// content and a description for messages. Ranks compare it before training (they must all read
// the same), and a checkpoint records it (a resumed run must continue on the same input).

#include <cstdint>
#include <string>

namespace infomorph {

struct input_identity {
    std::uint64_t fingerprint = 0;
    std::string description;  // e.g. "/data/mnist: 60000 training and 10000 test images of 28x28"
};

}  // namespace infomorph
