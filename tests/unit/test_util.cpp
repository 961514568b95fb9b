// util: file checks, atomic writes and the words for standard exceptions.

#include <infomorph/util/error_text.hpp>
#include <infomorph/util/files.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <new>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace infomorph {
namespace {

namespace fs = std::filesystem;

class Files : public ::testing::Test {
protected:
    void SetUp() override {
        directory_ = fs::temp_directory_path() /
                     ("infomorph_util_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
                      "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(directory_);
        fs::create_directories(directory_);
    }
    void TearDown() override { fs::remove_all(directory_); }
    static std::string read(const fs::path& path) {
        std::ifstream in(path);
        std::stringstream text;
        text << in.rdbuf();
        return text.str();
    }
    fs::path directory_;
};

TEST_F(Files, ReasonsAFileCannotBeRead) {
    const fs::path file = directory_ / "a.txt";
    std::ofstream(file) << "x";
    EXPECT_EQ(unreadable_file_reason(file), "");
    EXPECT_EQ(unreadable_file_reason(directory_ / "missing"), "no such file");
    EXPECT_EQ(unreadable_file_reason(directory_), "is a directory, not a file");
    EXPECT_EQ(unreadable_file_reason("/dev/null"),
              "is not a regular file (a device, socket or pipe)");
    fs::create_symlink(file, directory_ / "link");
    EXPECT_EQ(unreadable_file_reason(directory_ / "link"), "");
}

TEST_F(Files, AtomicWriteReplacesTheFileWhole) {
    const fs::path file = directory_ / "config.toml";
    write_file_atomically(file, "first\n");
    write_file_atomically(file, "second\n");
    EXPECT_EQ(read(file), "second\n");
    EXPECT_FALSE(fs::exists(directory_ / "config.toml.tmp"));
}

// Where nothing can be written (a regular file stands where the directory should be; root
// ignores permission bits, so a read-only directory would not do), the error names the file and
// nothing is left behind.
TEST_F(Files, AtomicWriteThatFailsNamesTheFileAndLeavesTheOldOne) {
    const fs::path blocker = directory_ / "not_a_directory";
    std::ofstream(blocker) << "kept";
    try {
        write_file_atomically(blocker / "config.toml", "text");
        FAIL() << "no error";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find((blocker / "config.toml").string()), std::string::npos)
            << e.what();
    }
    EXPECT_EQ(read(blocker), "kept");
    // Renaming onto a directory fails: the directory and its content stay, no .tmp is left.
    const fs::path occupied = directory_ / "occupied";
    fs::create_directories(occupied / "inside");
    EXPECT_THROW(write_file_atomically(occupied, "text"), std::runtime_error);
    EXPECT_TRUE(fs::is_directory(occupied / "inside"));
    EXPECT_FALSE(fs::exists(directory_ / "occupied.tmp"));
}

TEST(ErrorText, OutOfMemorySaysWhatToDo) {
    const std::string text = describe_exception(std::bad_alloc());
    EXPECT_EQ(text.rfind("out of memory (std::bad_alloc)", 0), 0u) << text;
    EXPECT_NE(text.find("more ranks"), std::string::npos) << text;
}

TEST(ErrorText, ContainerLengthErrorsAndOthers) {
    try {
        std::vector<double> v;
        v.resize(v.max_size() + 1);
        FAIL();
    } catch (const std::length_error& e) {
        EXPECT_EQ(describe_exception(e).rfind("a size is too large for this machine", 0), 0u)
            << describe_exception(e);
    }
    EXPECT_EQ(describe_exception(std::runtime_error("data/x: file not found")),
              "data/x: file not found");
    EXPECT_EQ(describe_exception(std::length_error("allgather: 3000000000 elements exceed MPI's int count")),
              "allgather: 3000000000 elements exceed MPI's int count");
}

TEST(ErrorText, CurrentException) {
    try {
        throw 42;
    } catch (...) {
        EXPECT_EQ(describe_current_exception(), "an unknown exception");
    }
    try {
        throw std::bad_alloc();
    } catch (...) {
        EXPECT_EQ(describe_current_exception().rfind("out of memory", 0), 0u);
    }
}

}  // namespace
}  // namespace infomorph
