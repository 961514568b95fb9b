// What a resumed run may change (resumable_keys) and how the differences that refuse a resume
// are named (resume_differences).

#include <infomorph/io/config.hpp>
#include <infomorph/train/network_state.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace infomorph {
namespace {

network_config tiny(const std::vector<std::string>& overrides = {}) {
    return io::load_config(std::string(INFOMORPH_SOURCE_DIR) + "/tests/integration/tiny_trivariate.toml",
                           overrides);
}
network_config memory(const std::vector<std::string>& overrides = {}) {
    return io::load_config(std::string(INFOMORPH_SOURCE_DIR) + "/configs/memory.toml", overrides);
}

TEST(ResumeRules, TheSameConfigurationHasNoDifference) {
    EXPECT_TRUE(resume_differences(tiny(), tiny()).empty());
    EXPECT_TRUE(resume_differences(memory(), memory()).empty());
}

TEST(ResumeRules, ScheduleOutputAndEvaluationMayChange) {
    const auto changed = tiny({"training.epochs=50", "training.checkpoint_every=5",
                               "training.evaluate_train=false", "output.directory=elsewhere",
                               "data.directory=/copy/of/the/data"});
    EXPECT_TRUE(resume_differences(tiny(), changed).empty());
    const auto recall = memory({"memory.recall_checks=3", "memory.early_stop=false",
                                "memory.recall_cosine=0.9", "memory.flip_fraction=0.1",
                                "capacity.stop=1.0"});
    EXPECT_TRUE(resume_differences(memory(), recall).empty());
}

TEST(ResumeRules, EveryDifferenceIsNamedWithBothValues) {
    const auto d = resume_differences(
        tiny(), tiny({"layers.readout.goal=[0,0,1,0,0]", "layers.hidden.learning_rate=0.02",
                      "training.batch_size=32"}));
    ASSERT_EQ(d.size(), 3u);
    // Sorted by key; a goal without its atom-name comment.
    EXPECT_EQ(d[0], "layers.hidden.learning_rate = 0.01 in the checkpoint, 0.02 here");
    EXPECT_EQ(d[1], "layers.readout.goal = [-0.2, 0.1, 1.0, 0.1, 0.0] in the checkpoint, "
                    "[0.0, 0.0, 1.0, 0.0, 0.0] here");
    EXPECT_EQ(d[2], "training.batch_size = 64 in the checkpoint, 32 here");
}

TEST(ResumeRules, KeysOfNestedTablesAndOfTheMemory) {
    const auto d = resume_differences(
        tiny(), tiny({"layers.hidden.lateral.fan_in=2", "data.validation_fraction=0.5",
                      "training.seed=12"}));
    auto has = [&](const std::string& key) {
        return std::any_of(d.begin(), d.end(),
                           [&](const std::string& s) { return s.rfind(key + " = ", 0) == 0; });
    };
    EXPECT_TRUE(has("layers.hidden.lateral")) << d.size();  // inline tables compare whole
    EXPECT_TRUE(has("data.validation_fraction"));
    EXPECT_TRUE(has("training.seed"));
    const auto m = resume_differences(memory(), memory({"memory.load=0.5", "memory.rule=hebbian"}));
    ASSERT_EQ(m.size(), 2u);
    EXPECT_EQ(m[0].rfind("memory.load = ", 0), 0u) << m[0];
    EXPECT_EQ(m[1].rfind("memory.rule = ", 0), 0u) << m[1];
    // patterns set in one, absent (from the load) in the other.
    const auto p = resume_differences(memory(), memory({"memory.patterns=7"}));
    ASSERT_FALSE(p.empty());
    EXPECT_NE(p.front().find("memory.patterns"), std::string::npos) << p.front();
}

// Random streams and feedback follow the layers' positions, so their order is a setting.
TEST(ResumeRules, TheOrderOfTheLayersCounts) {
    network_config swapped = tiny();
    std::swap(swapped.layers[0], swapped.layers[1]);
    const auto d = resume_differences(tiny(), swapped);
    ASSERT_FALSE(d.empty());
    EXPECT_NE(std::find(d.begin(), d.end(),
                        "layers = hidden, readout in the checkpoint, readout, hidden here"),
              d.end());
}

TEST(ResumeRules, ResumableKeysAreRealKeys) {
    // Every listed key is one the configuration writes (a typo would make it unchangeable).
    const std::string memory_text = io::to_toml(memory());
    // Keys written only when set (output.codes, weights_from) set.
    const std::string tiny_text = io::to_toml(
        tiny({"output.codes=true", "layers.hidden.weights_from={file=\"a.h5\"}"}));
    for (const std::string& key : resumable_keys()) {
        const std::string leaf = key.substr(key.rfind('.') + 1) + " = ";
        // Appended, not "[" + ...: that form trips GCC 12's false -Wrestrict.
        const std::string section =
            key.rfind("layers.*.", 0) == 0
                ? std::string("[[layers]]")
                : std::string("[").append(key.substr(0, key.rfind('.'))).append("]");
        const std::string& text = key.rfind("memory.", 0) == 0 || key.rfind("capacity.", 0) == 0
                                      ? memory_text
                                      : tiny_text;
        const auto at = text.find(section);
        ASSERT_NE(at, std::string::npos) << key;
        EXPECT_NE(text.find(std::string("\n").append(leaf), at), std::string::npos) << key;
    }
}

// A resume may add, drop or move a layer's weights_from (the checkpoint holds the weights), and
// switch output.codes; another layer setting still refuses it.
TEST(ResumeRules, WeightsFromAndCodesMayChange) {
    EXPECT_TRUE(resume_differences(tiny(), tiny({"layers.hidden.weights_from={file=\"a.h5\"}",
                                                 "output.codes=true"}))
                    .empty());
    const auto d = resume_differences(
        tiny(), tiny({"layers.hidden.weights_from={file=\"a.h5\"}", "layers.hidden.neurons=41"}));
    ASSERT_EQ(d.size(), 1u);
    EXPECT_NE(d.front().find("layers.hidden.neurons"), std::string::npos) << d.front();
}

}  // namespace
}  // namespace infomorph
