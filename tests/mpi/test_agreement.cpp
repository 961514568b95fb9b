// require_agreement: ranks that hold different things fail together with one message that says
// which ranks hold what.

#include <infomorph/comm/agreement.hpp>
#include <infomorph/comm/distributed_context.hpp>
#include <infomorph/util/content_hash.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using namespace infomorph;

TEST(Agreement, EqualFingerprintsPass) {
    const distributed_context context = make_mpi_context();
    EXPECT_NO_THROW(require_agreement(context, 42, "the same", "the input"));
}

// The last rank differs: every rank throws, all with the same message, naming both groups.
TEST(Agreement, ADifferentRankFailsEveryRankWithTheSameMessage) {
    const distributed_context context = make_mpi_context();
    if (context.size() == 1) GTEST_SKIP() << "needs two ranks";
    const bool odd = context.rank() == context.size() - 1;
    std::string message;
    try {
        require_agreement(context, odd ? 7 : 5, odd ? "copy B" : "copy A", "the input",
                          "Use one copy.");
        ADD_FAILURE() << "no error on rank " << context.rank();
    } catch (const std::runtime_error& e) {
        message = e.what();
    }
    const std::string last = std::to_string(context.size() - 1);
    const std::string others = context.size() == 2 ? "rank 0" : "ranks 0-" +
                                                                     std::to_string(context.size() - 2);
    EXPECT_NE(message.find("the input differs between ranks"), std::string::npos) << message;
    EXPECT_NE(message.find(others + " read copy A"), std::string::npos) << message;
    EXPECT_NE(message.find("rank " + last + " read copy B"), std::string::npos) << message;
    EXPECT_NE(message.find("Use one copy."), std::string::npos) << message;
    // The same text everywhere.
    const std::vector<std::string> all = context.gather_to_root(message);
    if (context.is_root()) {
        for (const auto& m : all) EXPECT_EQ(m, message);
    }
}

TEST(ContentHash, DependsOnEveryByteAndOnTheSplit) {
    const std::vector<std::uint8_t> bytes = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
    const std::uint64_t whole = content_hash().add(bytes).value();
    EXPECT_EQ(whole, content_hash().add(bytes).value());
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        std::vector<std::uint8_t> changed = bytes;
        changed[i] ^= 1;
        EXPECT_NE(content_hash().add(changed).value(), whole) << "byte " << i;
    }
    const std::span<const std::uint8_t> all(bytes);
    EXPECT_NE(content_hash().add(all.first(3)).add(all.subspan(3)).value(), whole);
    std::vector<std::uint8_t> longer = bytes;
    longer.push_back(0);  // a trailing zero byte is not the same content
    EXPECT_NE(content_hash().add(longer).value(), whole);
}

}  // namespace
