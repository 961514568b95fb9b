#include "infomorph/io/idx.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

namespace fs = std::filesystem;
using infomorph::io::data_error;
using infomorph::io::read_idx;
using infomorph::io::read_idx_images;
using infomorph::io::read_idx_labels;
using infomorph::io::write_idx;

namespace {

using bytes = std::vector<std::uint8_t>;

class IdxTest : public ::testing::Test {
  protected:
    void SetUp() override {
        static std::atomic<int> counter{0};
        dir_ = fs::temp_directory_path() /
               ("infomorph_idx_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
        fs::create_directories(dir_);
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    fs::path path(const std::string& name) const { return dir_ / name; }

    static void write_plain(const fs::path& file, const bytes& content) {
        std::ofstream out(file, std::ios::binary);
        out.write(reinterpret_cast<const char*>(content.data()),
                  static_cast<std::streamsize>(content.size()));
        ASSERT_TRUE(out.good());
    }
    static void write_gz(const fs::path& file, const bytes& content) {
        gzFile out = gzopen(file.c_str(), "wb");
        ASSERT_NE(out, nullptr);
        if (!content.empty()) {
            ASSERT_EQ(gzwrite(out, content.data(), static_cast<unsigned>(content.size())),
                      static_cast<int>(content.size()));
        }
        ASSERT_EQ(gzclose(out), Z_OK);
    }

    fs::path dir_;
};

bytes header(std::uint8_t type, std::vector<std::uint32_t> dims) {
    bytes h{0, 0, type, static_cast<std::uint8_t>(dims.size())};
    for (std::uint32_t d : dims) {
        for (int shift = 24; shift >= 0; shift -= 8)
            h.push_back(static_cast<std::uint8_t>(d >> shift));
    }
    return h;
}

bytes concat(bytes a, const bytes& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

// 3 images of 2 x 4 pixels.
const bytes kPixels = {0,  1,  2,  3,  4,   5,   6,   7,   10,  20,  30,  40,
                       50, 60, 70, 80, 255, 254, 253, 252, 251, 250, 249, 248};
bytes image_file() {
    return concat(header(0x08, {3, 2, 4}), kPixels);
}
bytes label_file() {
    return concat(header(0x08, {3}), {7, 0, 9});
}

// Runs f, which must throw data_error whose message contains the file name and every part.
template <class F>
void expect_data_error(F f, const fs::path& file, std::vector<std::string> parts) {
    try {
        f();
        ADD_FAILURE() << "no exception for " << file;
    } catch (const data_error& e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find(file.filename().string()), std::string::npos) << msg;
        for (const auto& part : parts) EXPECT_NE(msg.find(part), std::string::npos) << msg;
    }
}

}  // namespace

TEST_F(IdxTest, ReadsPlainImages) {
    write_plain(path("img"), image_file());
    const auto img = read_idx_images(path("img"));
    EXPECT_EQ(img.count, 3u);
    EXPECT_EQ(img.rows, 2u);
    EXPECT_EQ(img.cols, 4u);
    EXPECT_EQ(img.pixels, kPixels);
}

TEST_F(IdxTest, ReadsGzippedImagesAndLabels) {
    write_gz(path("img.gz"), image_file());
    write_gz(path("lab.gz"), label_file());
    const auto img = read_idx_images(path("img.gz"));
    EXPECT_EQ(img.count, 3u);
    EXPECT_EQ(img.pixels, kPixels);
    EXPECT_EQ(read_idx_labels(path("lab.gz")), (bytes{7, 0, 9}));
}

TEST_F(IdxTest, DetectsGzipByContentNotName) {
    write_gz(path("img"), image_file());        // gzip without .gz
    write_plain(path("lab.gz"), label_file());  // plain with .gz
    EXPECT_EQ(read_idx_images(path("img")).pixels, kPixels);
    EXPECT_EQ(read_idx_labels(path("lab.gz")), (bytes{7, 0, 9}));
}

TEST_F(IdxTest, ReadsPlainLabelsAndGenericArrays) {
    write_plain(path("lab"), label_file());
    EXPECT_EQ(read_idx_labels(path("lab"), 10), (bytes{7, 0, 9}));
    const auto a = read_idx(path("lab"), 1);
    EXPECT_EQ(a.dims, (std::vector<std::uint32_t>{3}));
}

TEST_F(IdxTest, WriteIdxRoundTripsPlainAndGzip) {
    const std::vector<std::uint32_t> dims{3, 2, 4};
    write_idx(path("w"), dims, kPixels, false);
    write_idx(path("w.gz"), dims, kPixels, true);
    std::ifstream plain(path("w"), std::ios::binary);
    const bytes on_disk((std::istreambuf_iterator<char>(plain)), std::istreambuf_iterator<char>());
    EXPECT_EQ(on_disk, image_file());
    EXPECT_EQ(read_idx_images(path("w")).pixels, kPixels);
    EXPECT_EQ(read_idx_images(path("w.gz")).pixels, kPixels);
    EXPECT_THROW(write_idx(path("bad"), dims, bytes(5), false), std::invalid_argument);
}

TEST_F(IdxTest, EmptyImageSetIsValid) {
    write_plain(path("img"), header(0x08, {0, 28, 28}));
    const auto img = read_idx_images(path("img"));
    EXPECT_EQ(img.count, 0u);
    EXPECT_EQ(img.rows, 28u);
    EXPECT_TRUE(img.pixels.empty());
}

TEST_F(IdxTest, MissingFile) {
    expect_data_error([&] { read_idx_images(path("nope-idx3")); }, path("nope-idx3"),
                      {"not found"});
}

TEST_F(IdxTest, WrongMagicNumber) {
    bytes f = image_file();
    f[0] = 0x12;
    write_plain(path("img"), f);
    expect_data_error([&] { read_idx_images(path("img")); }, path("img"), {"wrong magic number"});
    write_gz(path("img.gz"), f);
    expect_data_error([&] { read_idx_images(path("img.gz")); }, path("img.gz"),
                      {"wrong magic number"});
}

TEST_F(IdxTest, WrongNumberOfDimensionsIsWrongMagic) {
    write_plain(path("lab"), label_file());
    expect_data_error([&] { read_idx_images(path("lab")); }, path("lab"),
                      {"wrong magic number", "1 dimensions, expected 3"});
    write_plain(path("img"), image_file());
    expect_data_error([&] { read_idx_labels(path("img")); }, path("img"),
                      {"wrong magic number", "3 dimensions, expected 1"});
}

TEST_F(IdxTest, WrongElementType) {
    write_plain(path("img"), concat(header(0x0D, {1, 1, 1}), {0, 0, 0, 0}));
    expect_data_error([&] { read_idx_images(path("img")); }, path("img"),
                      {"wrong element type", "0x0d", "float"});
}

TEST_F(IdxTest, TruncatedData) {
    bytes f = image_file();
    f.pop_back();
    write_plain(path("img"), f);
    expect_data_error([&] { read_idx_images(path("img")); }, path("img"),
                      {"truncated", "expected 24 bytes", "found 23"});
    write_gz(path("img.gz"), f);
    expect_data_error([&] { read_idx_images(path("img.gz")); }, path("img.gz"), {"truncated"});
}

TEST_F(IdxTest, TruncatedHeaderAndEmptyFile) {
    write_plain(path("short"), bytes{0, 0, 8, 3, 0, 0});
    expect_data_error([&] { read_idx_images(path("short")); }, path("short"), {"truncated"});
    write_plain(path("magic"), bytes{0, 0});
    expect_data_error([&] { read_idx_images(path("magic")); }, path("magic"), {"truncated"});
    write_plain(path("empty"), bytes{});
    expect_data_error([&] { read_idx_images(path("empty")); }, path("empty"), {"truncated"});
    write_gz(path("empty.gz"), bytes{});
    expect_data_error([&] { read_idx_images(path("empty.gz")); }, path("empty.gz"), {"truncated"});
}

TEST_F(IdxTest, CutGzipStreamIsTruncated) {
    write_gz(path("full.gz"), image_file());
    std::ifstream in(path("full.gz"), std::ios::binary);
    bytes gz((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    gz.resize(gz.size() - 12);  // drop the trailer and some deflate data
    write_plain(path("cut.gz"), gz);
    expect_data_error([&] { read_idx_images(path("cut.gz")); }, path("cut.gz"), {"truncated"});
}

TEST_F(IdxTest, HugeHeaderInShortFileIsTruncatedNotAnAllocation) {
    write_plain(path("img"), concat(header(0x08, {0xFFFFFFu, 28, 28}), {1, 2, 3}));
    expect_data_error([&] { read_idx_images(path("img")); }, path("img"), {"truncated"});
    write_plain(path("big"), concat(header(0x08, {0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu}), {1}));
    expect_data_error([&] { read_idx_images(path("big")); }, path("big"), {"overflow"});
}

TEST_F(IdxTest, TrailingBytes) {
    write_plain(path("img"), concat(image_file(), {1, 2}));
    expect_data_error([&] { read_idx_images(path("img")); }, path("img"), {"2 trailing bytes"});
    write_gz(path("lab.gz"), concat(label_file(), {5}));
    expect_data_error([&] { read_idx_labels(path("lab.gz")); }, path("lab.gz"),
                      {"1 trailing bytes"});
}

TEST_F(IdxTest, LabelsOutOfRange) {
    write_plain(path("lab"), concat(header(0x08, {4}), {1, 2, 10, 3}));
    EXPECT_NO_THROW(read_idx_labels(path("lab")));
    expect_data_error([&] { read_idx_labels(path("lab"), 10); }, path("lab"),
                      {"label 10 at index 2 out of range"});
}
