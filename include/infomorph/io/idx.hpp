#pragma once
// Reading (and, for tests and synthetic data sets, writing) files in the IDX layout of MNIST
// (http://yann.lecun.com/exdb/mnist/): a big-endian header -- two zero bytes, an element-type
// byte, the number of dimensions, then one 32-bit size per dimension -- followed by the elements
// in row-major order. Only unsigned-byte elements (type 0x08) are supported. Files may be plain or
// gzip-compressed; the format is detected from the content, not the name.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <vector>

namespace infomorph::io {

// Bad or missing input data. The message names the file and the problem.
class data_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// An IDX file's sizes and unsigned-byte elements (row-major, product(dims) of them).
struct idx_array {
    std::vector<std::uint32_t> dims;
    std::vector<std::uint8_t> data;
};

// Reads an unsigned-byte IDX file with expected_ndims dimensions. Throws data_error naming the
// file if it is missing or unreadable, the magic number is wrong (non-zero leading bytes or another
// number of dimensions), the element type is not unsigned byte, the file ends before the data it
// declares (truncated), bytes follow the data (trailing bytes), or gzip data is corrupt.
idx_array read_idx(const std::filesystem::path& file, std::size_t expected_ndims);

// Images in IDX3 layout (magic 0x00000803): count x rows x cols unsigned bytes.
struct idx_images {
    std::size_t count = 0;
    std::size_t rows = 0;
    std::size_t cols = 0;
    std::vector<std::uint8_t> pixels;  // count * rows * cols, image after image, row-major
};
idx_images read_idx_images(const std::filesystem::path& file);

// Labels in IDX1 layout (magic 0x00000801). Every label must lie below num_classes, otherwise
// data_error names the file, the position and the value.
std::vector<std::uint8_t> read_idx_labels(const std::filesystem::path& file,
                                          unsigned num_classes = 256);

// Writes an unsigned-byte IDX file (gzip-compressed if gzip is true); data.size() must equal the
// product of dims. Throws data_error naming the file if it cannot be written,
// std::invalid_argument if the sizes do not fit.
void write_idx(const std::filesystem::path& file, std::span<const std::uint32_t> dims,
               std::span<const std::uint8_t> data, bool gzip = false);

}  // namespace infomorph::io
