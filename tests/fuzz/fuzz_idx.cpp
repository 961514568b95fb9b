// libFuzzer target: the IDX reader (plain and gzip) on arbitrary file contents. Allowed outcome
// for bad input: io::data_error. Checked on success: the data holds product(dims) bytes; labels
// lie below the class count asked for.

#include <infomorph/io/idx.hpp>

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace {

// One in-memory file for the whole session, rewritten per input: the reader takes a path.
const std::string& input_path() {
    static const std::string path = [] {
        const int fd = memfd_create("infomorph_fuzz_idx", 0);
        if (fd < 0) std::abort();
        return "/proc/self/fd/" + std::to_string(fd);
    }();
    return path;
}

void write_input(const std::uint8_t* data, std::size_t size) {
    const int fd = std::stoi(input_path().substr(std::string("/proc/self/fd/").size()));
    if (ftruncate(fd, 0) != 0) std::abort();
    std::size_t done = 0;
    while (done < size) {
        const ssize_t n = pwrite(fd, data + done, size - done, static_cast<off_t>(done));
        if (n <= 0) std::abort();
        done += static_cast<std::size_t>(n);
    }
}

void check(bool condition) {
    if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace infomorph::io;
    write_input(data, size);
    for (const std::size_t ndims : {std::size_t{1}, std::size_t{3}}) {
        try {
            const idx_array array = read_idx(input_path(), ndims);
            std::uint64_t total = 1;
            for (const std::uint32_t d : array.dims) total *= d;
            check(array.dims.size() == ndims && array.data.size() == total);
        } catch (const data_error&) {
        }
    }
    try {
        const auto labels = read_idx_labels(input_path(), 10);
        for (const std::uint8_t label : labels) check(label < 10);
    } catch (const data_error&) {
    }
    return 0;
}
