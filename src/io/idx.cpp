#include "infomorph/io/idx.hpp"

#include <infomorph/util/files.hpp>

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <iomanip>
#include <limits>
#include <sstream>
#include <string>
#include <system_error>

namespace infomorph::io {
namespace {

constexpr std::uint8_t type_ubyte = 0x08;
// Read and allocate at most this much at a time, so a bogus header in a short file does not
// allocate what it claims.
constexpr std::size_t chunk_bytes = std::size_t{1} << 24;

[[noreturn]] void fail(const std::filesystem::path& file, const std::string& problem) {
    throw data_error(file.string() + ": " + problem);
}

std::string hex(std::uint64_t value, int width) {
    std::ostringstream s;
    s << "0x" << std::hex << std::setw(width) << std::setfill('0') << value;
    return s.str();
}

const char* type_name(std::uint8_t type) {
    switch (type) {
        case 0x08:
            return "unsigned byte";
        case 0x09:
            return "signed byte";
        case 0x0B:
            return "short";
        case 0x0C:
            return "int";
        case 0x0D:
            return "float";
        case 0x0E:
            return "double";
        default:
            return "unknown";
    }
}

// A gzip or plain file read through zlib (gzread passes plain files through unchanged).
class gz_reader {
  public:
    explicit gz_reader(const std::filesystem::path& file) : file_(file) {
        const std::string reason = unreadable_file_reason(file);
        if (reason == "no such file") fail(file, "file not found");
        if (!reason.empty()) fail(file, reason);
        errno = 0;
        handle_ = gzopen(file.c_str(), "rb");
        if (handle_ == nullptr) {
            fail(file, std::string("cannot open: ") +
                           (errno != 0 ? std::strerror(errno) : "out of memory"));
        }
        gzbuffer(handle_, 1U << 18);
    }
    gz_reader(const gz_reader&) = delete;
    gz_reader& operator=(const gz_reader&) = delete;
    ~gz_reader() { gzclose(handle_); }

    // Reads up to out.size() bytes; returns how many were read (fewer only at the end of the
    // data). Throws on a read or decompression error.
    std::size_t read(std::span<std::uint8_t> out) {
        std::size_t done = 0;
        while (done < out.size()) {
            const auto want = static_cast<unsigned>(
                std::min<std::size_t>(out.size() - done, std::size_t{1} << 30));
            const int got = gzread(handle_, out.data() + done, want);
            if (got < 0) fail(file_, "read error: " + error_message());
            if (got == 0) break;
            done += static_cast<std::size_t>(got);
        }
        return done;
    }

    // zlib's message for a pending error (e.g. "unexpected end of file" for a cut gzip stream),
    // or an empty string.
    std::string error_message() const {
        int code = Z_OK;
        const char* msg = gzerror(handle_, &code);
        if (code == Z_OK) return {};
        if (code == Z_ERRNO) return std::strerror(errno);
        return msg != nullptr ? msg : "unknown zlib error";
    }

  private:
    std::filesystem::path file_;
    gzFile handle_ = nullptr;
};

std::string truncated(const gz_reader& in, const std::string& what, std::size_t expected,
                      std::size_t found) {
    std::string msg = "truncated file: expected " + std::to_string(expected) + " bytes of " + what +
                      ", found " + std::to_string(found);
    const std::string z = in.error_message();
    if (!z.empty()) msg += " (" + z + ")";
    return msg;
}

std::uint32_t big_endian32(const std::uint8_t* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
           std::uint32_t{p[3]};
}

std::string dims_string(std::span<const std::uint32_t> dims) {
    std::string s;
    for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? " x " : "") + std::to_string(dims[i]);
    return s;
}

}  // namespace

idx_array read_idx(const std::filesystem::path& file, std::size_t expected_ndims) {
    gz_reader in(file);

    std::uint8_t magic[4] = {};
    const std::size_t got_magic = in.read(magic);
    if (got_magic == 0) {
        const std::string z = in.error_message();
        fail(file, "truncated file: empty" + (z.empty() ? std::string() : " (" + z + ")"));
    }
    if (got_magic < 4) fail(file, truncated(in, "magic number", 4, got_magic));
    const std::uint32_t magic_number = big_endian32(magic);
    const std::uint64_t expected_magic = (std::uint64_t{type_ubyte} << 8) | expected_ndims;
    if (magic[0] != 0 || magic[1] != 0) {
        fail(file, "wrong magic number " + hex(magic_number, 8) + ", expected " +
                       hex(expected_magic, 8) + " (not an IDX file)");
    }
    if (magic[2] != type_ubyte) {
        fail(file, "wrong element type " + hex(magic[2], 2) + " (" + type_name(magic[2]) +
                       "), only " + hex(type_ubyte, 2) + " (unsigned byte) is supported");
    }
    if (magic[3] != expected_ndims) {
        fail(file, "wrong magic number " + hex(magic_number, 8) + ": " + std::to_string(magic[3]) +
                       " dimensions, expected " + std::to_string(expected_ndims) + " (magic " +
                       hex(expected_magic, 8) + ")");
    }

    idx_array out;
    std::vector<std::uint8_t> header(4 * expected_ndims);
    const std::size_t got_header = in.read(header);
    if (got_header < header.size())
        fail(file, truncated(in, "header sizes", header.size(), got_header));
    out.dims.resize(expected_ndims);
    std::uint64_t total = 1;
    for (std::size_t d = 0; d < expected_ndims; ++d) {
        out.dims[d] = big_endian32(&header[4 * d]);
        if (out.dims[d] != 0 && total > std::numeric_limits<std::uint64_t>::max() / out.dims[d]) {
            fail(file, "sizes " + dims_string(out.dims) + " overflow");
        }
        total *= out.dims[d];
    }
    if (total > std::numeric_limits<std::size_t>::max() / 2) {
        fail(file, "sizes " + dims_string(out.dims) + " are too large");
    }
    const auto expected = static_cast<std::size_t>(total);

    // Grow the buffer geometrically (64 KiB, then doubling, at most chunk_bytes at a time), so a
    // header that claims more than the file holds fails on truncation, not on allocation, and a
    // 16-byte file that claims gigabytes costs kilobytes, not a 16 MiB buffer (the fuzzer's
    // finding).
    std::size_t have = 0;
    while (have < expected) {
        const std::size_t step =
            std::min({chunk_bytes, std::max(std::size_t{1} << 16, have), expected - have});
        out.data.resize(have + step);
        const std::size_t got = in.read(std::span(out.data).subspan(have, step));
        have += got;
        if (got < step) {
            fail(file, truncated(in, "data (" + dims_string(out.dims) + ")", expected, have));
        }
    }

    std::uint8_t rest[4096];
    std::size_t trailing = 0;
    for (std::size_t got; (got = in.read(rest)) > 0;) trailing += got;
    if (trailing > 0) {
        fail(file, std::to_string(trailing) + " trailing bytes after the " +
                       std::to_string(expected) + " bytes of data (" + dims_string(out.dims) + ")");
    }
    const std::string z = in.error_message();
    if (!z.empty()) fail(file, "corrupt gzip stream after the data (" + z + ")");
    return out;
}

idx_images read_idx_images(const std::filesystem::path& file) {
    idx_array a = read_idx(file, 3);
    idx_images out;
    out.count = a.dims[0];
    out.rows = a.dims[1];
    out.cols = a.dims[2];
    out.pixels = std::move(a.data);
    return out;
}

std::vector<std::uint8_t> read_idx_labels(const std::filesystem::path& file, unsigned num_classes) {
    idx_array a = read_idx(file, 1);
    for (std::size_t i = 0; i < a.data.size(); ++i) {
        if (a.data[i] >= num_classes) {
            fail(file, "label " + std::to_string(a.data[i]) + " at index " + std::to_string(i) +
                           " out of range [0, " + std::to_string(num_classes) + ")");
        }
    }
    return std::move(a.data);
}

void write_idx(const std::filesystem::path& file, std::span<const std::uint32_t> dims,
               std::span<const std::uint8_t> data, bool gzip) {
    if (dims.empty() || dims.size() > 255) {
        throw std::invalid_argument("write_idx: " + file.string() + ": need 1 to 255 dimensions");
    }
    std::uint64_t total = 1;
    for (std::uint32_t d : dims) total *= d;
    if (total != data.size()) {
        throw std::invalid_argument("write_idx: " + file.string() + ": " +
                                    std::to_string(data.size()) + " elements for sizes " +
                                    dims_string(dims));
    }
    std::vector<std::uint8_t> header{0, 0, type_ubyte, static_cast<std::uint8_t>(dims.size())};
    for (std::uint32_t d : dims) {
        for (int shift = 24; shift >= 0; shift -= 8) {
            header.push_back(static_cast<std::uint8_t>(d >> shift));
        }
    }
    errno = 0;
    gzFile out = gzopen(file.c_str(), gzip ? "wb" : "wbT");
    if (out == nullptr) {
        fail(file, std::string("cannot open for writing: ") +
                       (errno != 0 ? std::strerror(errno) : "out of memory"));
    }
    auto write = [&](std::span<const std::uint8_t> bytes) {
        while (!bytes.empty()) {
            const auto n = static_cast<unsigned>(std::min<std::size_t>(bytes.size(), 1U << 30));
            if (gzwrite(out, bytes.data(), n) != static_cast<int>(n)) {
                int code = Z_OK;
                const std::string msg = gzerror(out, &code);
                gzclose(out);
                fail(file, "write error: " + (code == Z_ERRNO ? std::strerror(errno) : msg));
            }
            bytes = bytes.subspan(n);
        }
    };
    write(header);
    write(data);
    if (gzclose(out) != Z_OK) fail(file, "write error on close");
}

}  // namespace infomorph::io
