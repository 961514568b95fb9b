#include <infomorph/io/config.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <vector>

#ifndef INFOMORPH_SOURCE_DIR
#error "INFOMORPH_SOURCE_DIR must name the source tree (tests/unit/CMakeLists.txt)"
#endif

namespace infomorph::io {
namespace {

// A trivariate hidden layer and a readout: every kind of class and both goal forms.
const std::string base = R"(
[data]
directory = "data/mnist"
validation_fraction = 0.2

[training]
epochs = 100
batch_size = 1024
seed = 30
presentations = 2

[output]
directory = "runs/trivariate"

[[layers]]
name = "hidden"
neurons = 100
learning_rate = 0.002
weight_decay = 3.5e-4
goal = [0.3307, 0.9781, -0.9935, 0.4017, 0.2428, 0.6255, 0.4713, 0.0212, 0.0605, -0.9470,
        -0.0199, -0.9677, -0.6924, 0.4270, 0.9736, 0.7370, -0.1218, -0.2151, 0.0350]
activation = { kind = "three_class", a_context = 0.1, a_lateral = 0.1, b_context = 2.0, b_lateral = 2.0 }
receptive = { source = "image", binning = { kind = "fixed", bins = 20, low = -20.0, high = 20.0 } }
contextual = { source = "label", binning = { kind = "fixed", bins = 20, low = -20.0, high = 20.0 } }
lateral = { fan_in = 0, binning = { kind = "fixed", bins = 20, low = -20.0, high = 20.0 } }

[[layers]]
name = "readout"
neurons = 10
learning_rate = 0.003
weight_decay = 1.5e-4
goal = { "{1}" = -0.2, "{2}" = 0.1, "{1}{2}" = 1.0, "{12}" = 0.1, h_res = 0.0 }
activation = { kind = "two_class", k1 = 1.0 }
receptive = { source = "hidden" }
contextual = { source = "label", identity = true, bias = false }
)";

// base with the first occurrence of `from` replaced by `to` (which must exist).
std::string edit(const std::string& from, const std::string& to, std::string text = base) {
    const auto at = text.find(from);
    if (at == std::string::npos) throw std::logic_error("edit: no '" + from + "' in the text");
    return text.replace(at, from.size(), to);
}

// Parsing must fail with a config_error whose message holds every fragment.
void expect_error(const std::string& text, std::initializer_list<std::string> fragments,
                  const std::vector<std::string>& overrides = {}) {
    try {
        parse_config(text, "test.toml", overrides);
        ADD_FAILURE() << "no error; expected one mentioning " << *fragments.begin();
    } catch (const config_error& error) {
        const std::string message = error.what();
        EXPECT_EQ(message.rfind("test.toml: ", 0), 0u) << message;
        for (const auto& fragment : fragments)
            EXPECT_NE(message.find(fragment), std::string::npos)
                << "'" << fragment << "' not in: " << message;
    }
}

void expect_same(const binning_config& a, const binning_config& b) {
    EXPECT_EQ(a.type, b.type);
    EXPECT_EQ(a.bins, b.bins);
    EXPECT_EQ(a.low, b.low);
    EXPECT_EQ(a.high, b.high);
}

void expect_same(const input_config& a, const input_config& b) {
    EXPECT_EQ(a.source, b.source);
    EXPECT_EQ(a.learned, b.learned);
    EXPECT_EQ(a.identity, b.identity);
    EXPECT_EQ(a.bias, b.bias);
    EXPECT_EQ(a.fan_in, b.fan_in);
    expect_same(a.binning, b.binning);
    EXPECT_EQ(a.diagonal, b.diagonal);
    EXPECT_EQ(a.initial_weight, b.initial_weight);
}

void expect_same(const network_config& a, const network_config& b) {
    EXPECT_EQ(a.task, b.task);
    EXPECT_EQ(a.memory.rule, b.memory.rule);
    EXPECT_EQ(a.memory.load, b.memory.load);
    EXPECT_EQ(a.memory.patterns, b.memory.patterns);
    EXPECT_EQ(a.memory.batch_fraction, b.memory.batch_fraction);
    EXPECT_EQ(a.memory.recall_cosine, b.memory.recall_cosine);
    EXPECT_EQ(a.memory.success_fraction, b.memory.success_fraction);
    EXPECT_EQ(a.memory.flip_fraction, b.memory.flip_fraction);
    EXPECT_EQ(a.memory.max_recall_steps, b.memory.max_recall_steps);
    EXPECT_EQ(a.memory.recall_checks, b.memory.recall_checks);
    EXPECT_EQ(a.memory.early_stop, b.memory.early_stop);
    EXPECT_EQ(a.capacity.mode, b.capacity.mode);
    EXPECT_EQ(a.capacity.start, b.capacity.start);
    EXPECT_EQ(a.capacity.step, b.capacity.step);
    EXPECT_EQ(a.capacity.stop, b.capacity.stop);
    EXPECT_EQ(a.capacity.flip_fractions, b.capacity.flip_fractions);
    EXPECT_EQ(a.data.directory, b.data.directory);
    EXPECT_EQ(a.data.validation_fraction, b.data.validation_fraction);
    EXPECT_EQ(a.training.epochs, b.training.epochs);
    EXPECT_EQ(a.training.batch_size, b.training.batch_size);
    EXPECT_EQ(a.training.seed, b.training.seed);
    EXPECT_EQ(a.training.presentations, b.training.presentations);
    EXPECT_EQ(a.training.adam_beta1, b.training.adam_beta1);
    EXPECT_EQ(a.training.adam_beta2, b.training.adam_beta2);
    EXPECT_EQ(a.training.adam_epsilon, b.training.adam_epsilon);
    EXPECT_EQ(a.training.evaluate_train, b.training.evaluate_train);
    EXPECT_EQ(a.training.checkpoint_every, b.training.checkpoint_every);
    EXPECT_EQ(a.output.directory, b.output.directory);
    EXPECT_EQ(a.output.codes, b.output.codes);
    ASSERT_EQ(a.layers.size(), b.layers.size());
    for (std::size_t i = 0; i < a.layers.size(); ++i) {
        SCOPED_TRACE("layer " + a.layers[i].name);
        const auto& x = a.layers[i];
        const auto& y = b.layers[i];
        EXPECT_EQ(x.name, y.name);
        EXPECT_EQ(x.neurons, y.neurons);
        EXPECT_EQ(x.activation.type, y.activation.type);
        EXPECT_EQ(x.activation.k1, y.activation.k1);
        EXPECT_EQ(x.activation.k2, y.activation.k2);
        EXPECT_EQ(x.activation.a_context, y.activation.a_context);
        EXPECT_EQ(x.activation.a_lateral, y.activation.a_lateral);
        EXPECT_EQ(x.activation.b_context, y.activation.b_context);
        EXPECT_EQ(x.activation.b_lateral, y.activation.b_lateral);
        EXPECT_EQ(x.activation.theta_floor, y.activation.theta_floor);
        EXPECT_EQ(x.activation.output, y.activation.output);
        expect_same(x.receptive, y.receptive);
        ASSERT_EQ(x.contextual.has_value(), y.contextual.has_value());
        if (x.contextual) expect_same(*x.contextual, *y.contextual);
        ASSERT_EQ(x.lateral.has_value(), y.lateral.has_value());
        if (x.lateral) expect_same(*x.lateral, *y.lateral);
        EXPECT_EQ(x.goal, y.goal);
        EXPECT_EQ(x.learning_rate, y.learning_rate);
        EXPECT_EQ(x.weight_decay, y.weight_decay);
        ASSERT_EQ(x.weights_from.has_value(), y.weights_from.has_value());
        if (x.weights_from) {
            EXPECT_EQ(x.weights_from->file, y.weights_from->file);
            EXPECT_EQ(x.weights_from->layer, y.weights_from->layer);
        }
    }
}

std::filesystem::path configs_dir() {
    return std::filesystem::path(INFOMORPH_SOURCE_DIR) / "configs";
}

// Loading the file with the overrides must fail with a config_error whose message holds
// fragment.
void expect_load_error(const std::filesystem::path& file, const std::vector<std::string>& overrides,
                       const std::string& fragment) {
    try {
        load_config(file, overrides);
        ADD_FAILURE() << "no error loading " << file << "; expected one mentioning " << fragment;
    } catch (const config_error& error) {
        EXPECT_NE(std::string(error.what()).find(fragment), std::string::npos) << error.what();
    }
}

// ---------------------------------------------------------------------------------------------
// Parsing

TEST(Config, ParsesEveryField) {
    const auto config = parse_config(base, "test.toml");
    EXPECT_EQ(config.data.directory, "data/mnist");
    EXPECT_DOUBLE_EQ(config.data.validation_fraction, 0.2);
    EXPECT_EQ(config.training.epochs, 100);
    EXPECT_EQ(config.training.batch_size, 1024);
    EXPECT_EQ(config.training.seed, 30u);
    EXPECT_EQ(config.training.presentations, 2);
    EXPECT_EQ(config.output.directory, "runs/trivariate");
    ASSERT_EQ(config.layers.size(), 2u);

    const auto& hidden = config.layers[0];
    EXPECT_EQ(hidden.name, "hidden");
    EXPECT_EQ(hidden.neurons, 100);
    EXPECT_DOUBLE_EQ(hidden.learning_rate, 0.002);
    EXPECT_DOUBLE_EQ(hidden.weight_decay, 3.5e-4);
    ASSERT_EQ(hidden.goal.size(), 19u);
    EXPECT_DOUBLE_EQ(hidden.goal[0], 0.3307);
    EXPECT_DOUBLE_EQ(hidden.goal[18], 0.0350);
    EXPECT_EQ(hidden.activation.type, activation_config::kind::three_class);
    EXPECT_DOUBLE_EQ(hidden.activation.a_context, 0.1);
    EXPECT_DOUBLE_EQ(hidden.activation.b_lateral, 2.0);
    EXPECT_EQ(hidden.receptive.source, "image");
    EXPECT_TRUE(hidden.receptive.learned);
    EXPECT_FALSE(hidden.receptive.identity);
    EXPECT_TRUE(hidden.receptive.bias);
    EXPECT_EQ(hidden.receptive.binning.type, binning_config::kind::fixed);
    EXPECT_EQ(hidden.receptive.binning.bins, 20);
    EXPECT_DOUBLE_EQ(hidden.receptive.binning.low, -20.0);
    EXPECT_DOUBLE_EQ(hidden.receptive.binning.high, 20.0);
    ASSERT_TRUE(hidden.contextual);
    EXPECT_EQ(hidden.contextual->source, "label");
    ASSERT_TRUE(hidden.lateral);
    EXPECT_EQ(hidden.lateral->source, "hidden");  // the layer itself
    EXPECT_EQ(hidden.lateral->fan_in, 0);
    EXPECT_EQ(hidden.lateral->binning.type, binning_config::kind::fixed);

    const auto& readout = config.layers[1];
    EXPECT_EQ(readout.goal, (std::vector<double>{-0.2, 0.1, 1.0, 0.1, 0.0}));
    EXPECT_EQ(readout.activation.type, activation_config::kind::two_class);
    EXPECT_DOUBLE_EQ(readout.activation.k1, 1.0);
    EXPECT_DOUBLE_EQ(readout.activation.k2, 2.0);  // default
    EXPECT_EQ(readout.receptive.source, "hidden");
    EXPECT_EQ(readout.receptive.binning.type, binning_config::kind::adaptive);
    ASSERT_TRUE(readout.contextual);
    EXPECT_TRUE(readout.contextual->identity);
    EXPECT_FALSE(readout.contextual->learned);  // identity weights stay fixed
    EXPECT_FALSE(readout.contextual->bias);
    EXPECT_FALSE(readout.lateral);
}

TEST(Config, MissingSectionsTakeTheDefaults) {
    const auto config = parse_config(R"(
[[layers]]
name = "readout"
neurons = 10
goal = [0, 0, 1, 0, 0]
receptive = { source = "image" }
contextual = { source = "label" }
)",
                                     "test.toml");
    const network_config defaults;
    EXPECT_EQ(config.data.directory, defaults.data.directory);
    EXPECT_EQ(config.training.epochs, defaults.training.epochs);
    EXPECT_EQ(config.training.presentations, 1);
    EXPECT_EQ(config.output.directory, defaults.output.directory);
    const auto& layer = config.layers.at(0);
    EXPECT_EQ(layer.activation.type, activation_config::kind::two_class);
    EXPECT_DOUBLE_EQ(layer.activation.k1, 0.5);
    EXPECT_DOUBLE_EQ(layer.learning_rate, 0.002);
    EXPECT_EQ(layer.receptive.binning.type, binning_config::kind::adaptive);
    EXPECT_EQ(layer.receptive.binning.bins, 20);
}

TEST(Config, LayerBinningIsTheDefaultOfItsClasses) {
    const auto config = parse_config(
        edit("receptive = { source = \"image\", binning = { kind = \"fixed\", bins = 20, low = "
             "-20.0, high = 20.0 } }",
             "binning = { kind = \"fixed\", bins = 30, low = -5, high = 5 }\n"
             "receptive = { source = \"image\" }"),
        "test.toml");
    const auto& hidden = config.layers[0];
    EXPECT_EQ(hidden.receptive.binning.type, binning_config::kind::fixed);
    EXPECT_EQ(hidden.receptive.binning.bins, 30);
    EXPECT_DOUBLE_EQ(hidden.receptive.binning.low, -5.0);
    EXPECT_DOUBLE_EQ(hidden.receptive.binning.high, 5.0);
    EXPECT_EQ(hidden.contextual->binning.bins, 20);  // its own table wins
}

TEST(Config, GoalAsATableOfAtoms) {
    const auto config = parse_config(
        edit("goal = [0.3307, 0.9781, -0.9935, 0.4017, 0.2428, 0.6255, 0.4713, 0.0212, 0.0605, "
             "-0.9470,\n        -0.0199, -0.9677, -0.6924, 0.4270, 0.9736, 0.7370, -0.1218, "
             "-0.2151, 0.0350]",
             R"(goal = { "{1}{2}{3}" = 0.33, "{1}{2}" = 1, "{1}{3}" = -1, "{13}{12}" = -1, h_res = 0.5 })"),
        "test.toml");
    const auto& goal = config.layers[0].goal;
    ASSERT_EQ(goal.size(), 19u);
    std::vector<double> expected(19, 0.0);
    expected[0] = 0.33;   // {1}{2}{3}
    expected[1] = 1.0;    // {1}{2}
    expected[2] = -1.0;   // {1}{3}
    expected[11] = -1.0;  // {12}{13}, written in another order
    expected[18] = 0.5;   // h_res
    EXPECT_EQ(goal, expected);
}

TEST(Config, LateralAsTheSecondClassOfABivariateLayer) {
    const auto config = parse_config(R"(
[training]
presentations = 2
[[layers]]
name = "hidden"
neurons = 100
goal = [1, 0, 0, 0, 0]
activation = { kind = "two_class", k1 = 0.9 }
receptive = { source = "image" }
lateral = { fan_in = 10 }
)",
                                     "test.toml");
    const auto& hidden = config.layers[0];
    EXPECT_FALSE(hidden.contextual);
    ASSERT_TRUE(hidden.lateral);
    EXPECT_EQ(hidden.lateral->fan_in, 10);
    EXPECT_EQ(hidden.goal.size(), 5u);
}

TEST(Config, FeedbackFromALaterLayerIsAContextSource) {
    const auto config = parse_config(
        edit("contextual = { source = \"label\", binning", "contextual = { source = \"readout\", binning"),
        "test.toml");
    EXPECT_EQ(config.layers[0].contextual->source, "readout");
}

TEST(Config, LargeSeedsAsDecimalStrings) {
    const auto config = parse_config(edit("seed = 30", "seed = \"18446744073709551615\""), "t");
    EXPECT_EQ(config.training.seed, 18446744073709551615ull);
}

// ---------------------------------------------------------------------------------------------
// Errors: each names the origin and the full key

TEST(ConfigErrors, InvalidToml) {
    expect_error("[data\n", {"not valid TOML"});
    expect_error(edit("epochs = 100", "epochs = 100\nepochs = 5"), {"not valid TOML"});
}

TEST(ConfigErrors, UnknownKeys) {
    expect_error(edit("[output]", "[outputs]"), {"unknown key outputs", "expected one of"});
    expect_error(edit("validation_fraction", "validation_fractoin"),
                 {"unknown key data.validation_fractoin"});
    expect_error(edit("seed = 30", "seed = 30\nlearning_rate = 0.1"),
                 {"unknown key training.learning_rate"});
    expect_error(edit("activation = {", "activaton = {"), {"unknown key layers.hidden.activaton"});
    expect_error(edit("a_context = 0.1", "a_contxt = 0.1"),
                 {"unknown key layers.hidden.activation.a_contxt"});
    expect_error(edit("source = \"image\"", "source = \"image\", bais = true"),
                 {"unknown key layers.hidden.receptive.bais"});
    expect_error(edit("bins = 20", "bins = 20, kid = 1"),
                 {"unknown key layers.hidden.receptive.binning.kid"});
    expect_error(edit("fan_in = 0", "fan_in = 0, sparse = true"),
                 {"unknown key layers.hidden.lateral.sparse"});
}

TEST(ConfigErrors, WrongTypes) {
    expect_error(edit("epochs = 100", "epochs = \"ten\""),
                 {"training.epochs must be an integer, got \"ten\""});
    expect_error(edit("epochs = 100", "epochs = 10.5"), {"training.epochs must be an integer"});
    expect_error(edit("neurons = 100", "neurons = \"100\""), {"layers.hidden.neurons must be an integer"});
    expect_error(edit("learning_rate = 0.002", "learning_rate = \"fast\""),
                 {"layers.hidden.learning_rate must be a number, got \"fast\""});
    expect_error(edit("directory = \"data/mnist\"", "directory = 3"),
                 {"data.directory must be a string, got 3"});
    expect_error(edit("identity = true", "identity = 1"),
                 {"layers.readout.contextual.identity must be true or false, got 1"});
    expect_error("training = 3\n" + edit("[training]\nepochs = 100\nbatch_size = 1024\nseed = "
                                         "30\npresentations = 2\n",
                                         ""),
                 {"training must be a table, got 3"});
    expect_error(edit("receptive = { source = \"hidden\" }", "receptive = \"hidden\""),
                 {"layers.readout.receptive must be a table"});
    expect_error(edit("\"{1}\" = -0.2", "\"{1}\" = \"x\""),
                 {"layers.readout.goal.{1} must be a number"});
    expect_error(edit("[0.3307,", "[\"a\","), {"layers.hidden.goal[0] must be a number"});
    expect_error(edit("learning_rate = 0.002", "learning_rate = nan"),
                 {"layers.hidden.learning_rate must be a finite number"});
    expect_error(edit("kind = \"three_class\"", "kind = \"three\""),
                 {"layers.hidden.activation.kind must be one of \"two_class\", \"three_class\", "
                  "\"additive\", got \"three\""});
    expect_error(edit("kind = \"fixed\"", "kind = \"uniform\""),
                 {"layers.hidden.receptive.binning.kind must be one of"});
}

TEST(ConfigErrors, BadValues) {
    expect_error(edit("neurons = 100", "neurons = 0"), {"layers.hidden.neurons must be at least 1, got 0"});
    expect_error(edit("neurons = 10\n", "neurons = -3\n"), {"layers.readout.neurons must be at least 1"});
    expect_error(edit("neurons = 100", "neurons = 5000000000"), {"layers.hidden.neurons must be"});
    expect_error(edit("batch_size = 1024", "batch_size = 0"), {"training.batch_size must be at least 1"});
    expect_error(edit("epochs = 100", "epochs = 0"), {"training.epochs must be at least 1"});
    expect_error(edit("presentations = 2", "presentations = 0"),
                 {"training.presentations must be at least 1"});
    expect_error(edit("validation_fraction = 0.2", "validation_fraction = 1.0"),
                 {"data.validation_fraction must be in [0, 1)"});
    expect_error(edit("validation_fraction = 0.2", "validation_fraction = -0.1"),
                 {"data.validation_fraction must be in [0, 1)"});
    expect_error(edit("bins = 20", "bins = 1"),
                 {"layers.hidden.receptive.binning.bins must be between 2 and 65535, got 1"});
    expect_error(edit("bins = 20", "bins = 65536"),
                 {"layers.hidden.receptive.binning.bins must be between 2 and 65535"});
    expect_error(edit("low = -20.0, high = 20.0", "low = 20.0, high = 20.0"),
                 {"layers.hidden.receptive.binning.low must be below "
                  "layers.hidden.receptive.binning.high"});
    expect_error(edit("activation = { kind = \"two_class\", k1 = 1.0 }",
                      "activation = { kind = \"two_class\", k1 = 1.0 }\n"
                      "binning = { kind = \"adaptive\", low = -1.0 }"),
                 {"layers.readout.binning.low applies only to fixed binning"});
    expect_error(edit("learning_rate = 0.003", "learning_rate = -0.003"),
                 {"layers.readout.learning_rate must not be negative"});
    expect_error(edit("weight_decay = 1.5e-4", "weight_decay = -1"),
                 {"layers.readout.weight_decay must not be negative"});
    expect_error(edit("seed = 30", "seed = -1"), {"training.seed must not be negative"});
    expect_error(edit("directory = \"data/mnist\"", "directory = \"\""), {"data.directory must not be empty"});
    expect_error(edit("k1 = 1.0", "k1 = 1.5"), {"layers.readout.activation.k1 must be in [0, 1]"});
    expect_error(edit("k1 = 1.0", "k1 = 1.0, a_context = 0.2"),
                 {"layers.readout.activation.a_context does not apply to a two_class activation"});
    expect_error(edit("a_lateral = 0.1", "a_lateral = 0.95"),
                 {"layers.hidden.activation.a_lateral plus a_context must be at most 1"});
    expect_error(edit("adam_epsilon", "adam_epsilon", edit("seed = 30", "seed = 30\nadam_epsilon = 0")),
                 {"training.adam_epsilon must be positive"});
    expect_error(edit("k1 = 1.0", "k1 = 1.0, output = \"rounded\""),
                 {"layers.readout.activation.output", "sampled", "heaviside"});
    // A layer that learns cannot have a deterministic output ...
    expect_error(edit("k1 = 1.0", "k1 = 1.0, output = \"heaviside\""),
                 {"layers.readout.activation has output = \"heaviside\"", "learns nothing"});
}

// ... a layer that learns nothing can, and config.toml keeps it (and only then mentions it).
TEST(Config, HeavisideOutputOfAnUntrainedLayer) {
    const std::string text = edit("learning_rate = 0.003", "learning_rate = 0.0",
                                  edit("k1 = 1.0", "k1 = 1.0, output = \"heaviside\""));
    const network_config config = parse_config(text, "test.toml");
    EXPECT_EQ(config.layers[1].activation.output, activation_config::output_kind::heaviside);
    EXPECT_EQ(config.layers[0].activation.output, activation_config::output_kind::sampled);
    const std::string written = to_toml(config);
    EXPECT_NE(written.find("output = \"heaviside\""), std::string::npos) << written;
    EXPECT_EQ(written.find("output = \"sampled\""), std::string::npos) << written;
    EXPECT_EQ(parse_config(written, "config.toml").layers[1].activation.output,
              activation_config::output_kind::heaviside);
}

// weights_from names a stored layer (this layer's name by default); output.codes asks for
// codes.h5. Both round-trip through config.toml, and both belong to the classification task.
TEST(Config, WeightsFromAndCodes) {
    const std::string text =
        edit("[output]", "[output]\ncodes = true",
             edit("lateral = { fan_in = 0,",
                  "weights_from = { file = \"runs/a/network.h5\" }\nlateral = { fan_in = 0,"));
    const network_config config = parse_config(text, "test.toml");
    ASSERT_TRUE(config.layers[0].weights_from.has_value());
    EXPECT_EQ(config.layers[0].weights_from->file, "runs/a/network.h5");
    EXPECT_EQ(config.layers[0].weights_from->layer, "hidden");
    EXPECT_FALSE(config.layers[1].weights_from.has_value());
    EXPECT_TRUE(config.output.codes);
    const network_config again = parse_config(to_toml(config), "config.toml");
    ASSERT_TRUE(again.layers[0].weights_from.has_value());
    EXPECT_EQ(again.layers[0].weights_from->layer, "hidden");
    EXPECT_TRUE(again.output.codes);
    EXPECT_FALSE(parse_config(base, "test.toml").output.codes);

    expect_error(edit("lateral = { fan_in = 0,", "weights_from = { layer = \"x\" }\nlateral = { fan_in = 0,"),
                 {"layers.hidden.weights_from.file"});
    expect_error(edit("lateral = { fan_in = 0,", "weights_from = { file = \"\" }\nlateral = { fan_in = 0,"),
                 {"layers.hidden.weights_from.file must not be empty"});
    expect_error(edit("lateral = { fan_in = 0,", "weights_from = { file = \"a.h5\", epoch = 3 }\nlateral = { fan_in = 0,"),
                 {"unknown key", "epoch"});
    expect_load_error(configs_dir() / "memory.toml", {"output.codes=true"},
                      "output.codes applies only to the classification task");
    expect_load_error(configs_dir() / "memory.toml", {"layers.memory.weights_from={file=\"m.h5\"}"},
                      "weights_from applies only to the classification");
}

// Numbers past their type's range are reported as what was written, not as the clamped value
// the TOML reader made of them (epochs = 99999999999 once read "must be at least 1").
TEST(ConfigErrors, ValuesPastTheirTypesRange) {
    expect_error(edit("epochs = 100", "epochs = 99999999999"),
                 {"training.epochs must be at most 2147483647", "got 99999999999"});
    expect_error(edit("neurons = 100", "neurons = 4294967297"),
                 {"layers.hidden.neurons must be at most 2147483647"});
    expect_error(edit("epochs = 100", "epochs = 99999999999999999999"),
                 {"training.epochs = 99999999999999999999 does not fit a 64-bit integer"});
    expect_error(edit("epochs = 100", "epochs = -9_999_999_999_999_999_999"),
                 {"training.epochs = -9999999999999999999 does not fit a 64-bit integer"});
    expect_error(edit("epochs = 100", "epochs = 0xffffffffffffffffff"),
                 {"training.epochs = 0xffffffffffffffffff does not fit a 64-bit integer"});
    expect_error(edit("learning_rate = 0.002", "learning_rate = 1e999"),
                 {"layers.hidden.learning_rate = 1e999 is beyond the range of a double"});
    expect_error(edit("validation_fraction = 0.2", "validation_fraction = -2e400"),
                 {"data.validation_fraction = -2e400 is beyond the range of a double"});
    // The extremes themselves are values, checked by the key's own rule.
    expect_error(edit("epochs = 100", "epochs = 9223372036854775807"),
                 {"training.epochs must be at most 2147483647"});
    expect_error(edit("epochs = 100", "epochs = -9223372036854775808"),
                 {"training.epochs must be at least 1"});
    expect_error(edit("learning_rate = 0.002", "learning_rate = 1e-400"),
                 {"layers.hidden.learning_rate = 1e-400 is below the smallest double"});
    EXPECT_NO_THROW(parse_config(edit("learning_rate = 0.002", "learning_rate = 0.0e-400"),
                                 "test.toml"));
    expect_error(edit("seed = 30", "seed = 18446744073709551615"),
                 {"training.seed = 18446744073709551615 does not fit",
                  "as a decimal string, e.g. seed = \"18446744073709551615\""});
    expect_load_error(configs_dir() / "memory.toml", {"memory.patterns=99999999999"},
                      "memory.patterns must be at most 2147483647");
    // An override too large for a number is the text it is, as a bare word would be: a string
    // key takes it, and a numeric key's error names the override and the range.
    expect_error(base, {"training.seed must be a non-negative integer",
                        "(from --set training.seed=99999999999999999999: 99999999999999999999 "
                        "does not fit a 64-bit integer"},
                 {"training.seed=99999999999999999999"});
    expect_error(base, {"layers.hidden.learning_rate must be a number",
                        "--set layers.hidden.learning_rate=1e999: 1e999 is beyond the range"},
                 {"layers.hidden.learning_rate=1e999"});
    EXPECT_EQ(parse_config(base, "test.toml", {"output.directory=99999999999999999999"})
                  .output.directory,
              "99999999999999999999");
    EXPECT_EQ(parse_config(base, "test.toml", {"training.seed=18446744073709551615"}).training.seed,
              18446744073709551615ULL);
}

// TOML text must be UTF-8; invalid bytes once overran toml11's buffer (tests/fuzz found it).
TEST(ConfigErrors, TextThatIsNotUtf8) {
    expect_error("'\x98\x98'", {"line 1, byte 2: not valid UTF-8"});
    expect_error(edit("epochs = 100", "epochs = 100 # caf\xc3"), {"line 7", "not valid UTF-8"});
    expect_error(base + "# \xed\xa0\x80\n", {"not valid UTF-8"});   // a surrogate
    expect_error(base + "# \xc0\xaf\n", {"not valid UTF-8"});        // an overlong '/'
    expect_error(base, {"--set output.directory=", "not valid UTF-8"},
                 {"output.directory=runs/\xff"});
    EXPECT_NO_THROW(parse_config(base + "# Möbius ∑ 😀\n", "test.toml"));
}

TEST(ConfigErrors, LayerNamesAndSources) {
    expect_error(edit("name = \"readout\"", "name = \"hidden\""),
                 {"duplicate layer name \"hidden\"", "layers[1].name"});
    expect_error(edit("name = \"readout\"", "name = \"label\""), {"layers[1].name", "reserved"});
    expect_error(edit("name = \"readout\"", "name = \"read.out\""), {"layers[1].name must be made of"});
    expect_error(edit("name = \"readout\"\n", ""), {"layers[1].name is missing"});
    expect_error(edit("source = \"hidden\"", "source = \"hiden\""),
                 {"layers.readout.receptive.source must be one of \"image\", \"label\", \"hidden\", "
                  "\"readout\", got \"hiden\""});
    expect_error(edit("source = \"hidden\"", "source = \"readout\""),
                 {"layers.readout.receptive.source cannot be the layer itself"});
    expect_error(edit("source = \"image\"", "source = \"readout\""),
                 {"layers.hidden.receptive.source must be \"image\", \"label\" or an earlier layer"});
    expect_error(edit("receptive = { source = \"hidden\" }", "receptive = { bias = true }"),
                 {"layers.readout.receptive.source is missing"});
    expect_error(edit("fan_in = 0", "fan_in = 0, source = \"hidden\""),
                 {"layers.hidden.lateral.source is not allowed"});
    expect_error(edit("fan_in = 0", "fan_in = 0, identity = true"),
                 {"layers.hidden.lateral.identity is not allowed"});
    expect_error(edit("fan_in = 0", "fan_in = 100"),
                 {"layers.hidden.lateral.fan_in must be at most 99"});
    expect_error(edit("source = \"image\"", "source = \"image\", fan_in = 3"),
                 {"layers.hidden.receptive.fan_in applies only to the lateral class"});
    expect_error(edit("layers", "layer", edit("[[layers]]", "[[layer]]")), {"unknown key layer"});
    expect_error("[data]\ndirectory = \"x\"\n", {"layers is missing"});
    expect_error("layers = []\n", {"layers must hold at least one layer"});
}

TEST(ConfigErrors, IdentityNeedsAsManyInputsAsNeurons) {
    expect_error(edit("receptive = { source = \"hidden\" }",
                      "receptive = { source = \"hidden\", identity = true }"),
                 {"layers.readout.receptive.identity needs as many inputs as neurons",
                  "\"hidden\" has 100 neurons"});
    // label and image identity are checked once the data is known
    EXPECT_NO_THROW(parse_config(base, "test.toml"));
    expect_error(edit("identity = true", "identity = true, learned = true"),
                 {"layers.readout.contextual.learned cannot be true together with identity"});
}

TEST(ConfigErrors, GoalLengthAndAtoms) {
    expect_error(edit(", 0.0350]", "]"),
                 {"layers.hidden.goal", "needs 19 values", "got 18"});
    expect_error(edit(R"(goal = { "{1}" = -0.2, "{2}" = 0.1, "{1}{2}" = 1.0, "{12}" = 0.1, h_res = 0.0 })",
                      "goal = [1, 0, 0]"),
                 {"layers.readout.goal", "needs 5 values", "got 3"});
    expect_error(edit("\"{12}\" = 0.1", "\"{13}\" = 0.1"),
                 {"layers.readout.goal.{13}", "not an atom of the 2-source lattice"});
    expect_error(edit("\"{12}\" = 0.1", "\"{2}{1}\" = 0.1"),
                 {"layers.readout.goal.{2}{1} names the same atom as layers.readout.goal.{1}{2}"});
    expect_error(edit(R"(goal = { "{1}" = -0.2, "{2}" = 0.1, "{1}{2}" = 1.0, "{12}" = 0.1, h_res = 0.0 })",
                      ""),
                 {"layers.readout.goal is missing"});
    expect_error(edit(R"(goal = { "{1}" = -0.2, "{2}" = 0.1, "{1}{2}" = 1.0, "{12}" = 0.1, h_res = 0.0 })",
                      "goal = 1.0"),
                 {"layers.readout.goal must be an array of 5 numbers or a table"});
}

TEST(ConfigErrors, ActivationMustMatchTheClasses) {
    expect_error(edit("kind = \"three_class\", a_context = 0.1, a_lateral = 0.1, b_context = 2.0, "
                      "b_lateral = 2.0",
                      "kind = \"two_class\""),
                 {"layers.hidden.activation must have kind = \"three_class\""});
    expect_error(edit("activation = { kind = \"three_class\", a_context = 0.1, a_lateral = 0.1, "
                      "b_context = 2.0, b_lateral = 2.0 }\n",
                      ""),
                 {"layers.hidden.activation is missing", "three_class"});
    expect_error(edit("lateral = { fan_in = 0, binning = { kind = \"fixed\", bins = 20, low = -20.0, "
                      "high = 20.0 } }\n",
                      ""),
                 {"layers.hidden.activation is three_class", "no lateral class"});
    expect_error(edit("contextual = { source = \"label\", identity = true, bias = false }", ""),
                 {"layers.readout needs a contextual or a lateral class"});
}

TEST(ConfigErrors, PreviousPresentationNeedsTwoPresentations) {
    expect_error(edit("presentations = 2", "presentations = 1"),
                 {"layers.hidden.lateral needs training.presentations >= 2"});
    const std::string feedback = R"(
[training]
presentations = 1
[[layers]]
name = "hidden"
neurons = 100
goal = [0, 0, 1, 0, 0]
receptive = { source = "image" }
contextual = { source = "readout" }
[[layers]]
name = "readout"
neurons = 10
goal = [0, 0, 1, 0, 0]
receptive = { source = "hidden" }
contextual = { source = "label" }
)";
    expect_error(feedback, {"layers.hidden.contextual.source reads the later layer \"readout\"",
                            "training.presentations >= 2"});
    EXPECT_NO_THROW(parse_config(feedback, "test.toml", {"training.presentations=2"}));
}

// ---------------------------------------------------------------------------------------------
// Overrides

TEST(ConfigOverrides, SetValuesByDottedKey) {
    const auto config = parse_config(base, "test.toml",
                                     {"training.epochs=10", "data.directory=/x",
                                      "layers.hidden.neurons=2000",
                                      "layers.hidden.lateral.fan_in = 100",
                                      "layers.readout.goal=[1,0,0,0,0]",
                                      "layers.readout.activation.k2=3",
                                      "output.directory=2024", "training.seed=7",
                                      "layers.hidden.receptive.binning.kind=adaptive"});
    EXPECT_EQ(config.training.epochs, 10);
    EXPECT_EQ(config.training.seed, 7u);
    EXPECT_EQ(config.data.directory, "/x");
    EXPECT_EQ(config.output.directory, "2024");  // string keys take the text as given
    EXPECT_EQ(config.layers[0].neurons, 2000);
    EXPECT_EQ(config.layers[0].lateral->fan_in, 100);
    EXPECT_EQ(config.layers[1].goal, (std::vector<double>{1, 0, 0, 0, 0}));
    EXPECT_DOUBLE_EQ(config.layers[1].activation.k2, 3.0);
    // Switching to adaptive binning by --set makes the file's low and high irrelevant.
    EXPECT_EQ(config.layers[0].receptive.binning.type, binning_config::kind::adaptive);
    EXPECT_EQ(config.layers[0].contextual->binning.type, binning_config::kind::fixed);
}

TEST(ConfigOverrides, LaterOverridesWin) {
    const auto config =
        parse_config(base, "test.toml", {"training.epochs=10", "training.epochs=20"});
    EXPECT_EQ(config.training.epochs, 20);
}

TEST(ConfigOverrides, ChangeTheGoalForm) {
    const auto config =
        parse_config(base, "test.toml", {R"(layers.hidden.goal={ "{1}{2}" = 1.0 })"});
    std::vector<double> expected(19, 0.0);
    expected[1] = 1.0;
    EXPECT_EQ(config.layers[0].goal, expected);
    const auto atom = parse_config(base, "test.toml", {"layers.readout.goal.h_res=0.25"});
    EXPECT_DOUBLE_EQ(atom.layers[1].goal[4], 0.25);
}

TEST(ConfigOverrides, Errors) {
    expect_error(base, {"training.epochs must be an integer, got \"ten\"",
                        "(from --set training.epochs=ten)"},
                 {"training.epochs=ten"});
    expect_error(base, {"unknown key training.epoch ", "(from --set training.epoch=3)"},
                 {"training.epoch=3"});
    expect_error(base, {"unknown key layers.hidden.neuron ", "(from --set layers.hidden.neuron=3)"},
                 {"layers.hidden.neuron=3"});
    expect_error(base, {"unknown key trainig", "(from --set trainig.epochs=3)"},
                 {"trainig.epochs=3"});
    expect_error(base, {"--set layers.hiden.neurons=3", "no layer named \"hiden\"",
                        "\"hidden\", \"readout\""},
                 {"layers.hiden.neurons=3"});
    expect_error(base, {"--set layers.hidden.goal=[1,0", "does not parse as TOML"},
                 {"layers.hidden.goal=[1,0"});
    expect_error(base, {"--set training.epochs", "expected key=value"}, {"training.epochs"});
    expect_error(base, {"--set training.epochs=", "the value is empty"}, {"training.epochs="});
    expect_error(base, {"--set training.epochs.x=1", "training.epochs is 100, not a table"},
                 {"training.epochs.x=1"});
    expect_error(base, {"layers.hidden.neurons must be at least 1",
                        "(from --set layers.hidden.neurons=0)"},
                 {"layers.hidden.neurons=0"});
    expect_error(base, {"layers.readout.goal", "needs 5 values"}, {"layers.readout.goal=[1,0]"});
}

// ---------------------------------------------------------------------------------------------
// Writing back

TEST(ConfigRoundTrip, BaseConfig) {
    const auto config = parse_config(base, "test.toml");
    const auto text = to_toml(config);
    expect_same(parse_config(text, "written.toml"), config);
}

TEST(ConfigRoundTrip, EveryFieldChanged) {
    network_config config;
    config.data.directory = "some \"odd\" dir\\with\ttab";
    config.data.validation_fraction = 0.1 + 0.2;  // not a short decimal
    config.training.epochs = 3;
    config.training.batch_size = 17;
    config.training.seed = 18446744073709551000ull;
    config.training.presentations = 3;
    config.training.adam_beta1 = 0.8;
    config.training.adam_beta2 = 0.99;
    config.training.adam_epsilon = 1e-12;
    config.training.evaluate_train = false;
    config.training.checkpoint_every = 5;
    config.output.directory = "out";
    config.output.codes = true;
    layer_config hidden;
    hidden.name = "h-1";
    hidden.neurons = 7;
    hidden.activation.type = activation_config::kind::three_class;
    hidden.activation.a_context = 0.25;
    hidden.activation.a_lateral = 1.0 / 3.0;
    hidden.activation.b_context = -1.5;
    hidden.activation.b_lateral = 4;
    hidden.activation.output = activation_config::output_kind::heaviside;  // learning_rate 0
    hidden.weights_from = layer_config::weights_source{"runs/x y/network.h5", "other"};
    hidden.receptive = {"image", false, false, false, 0, {binning_config::kind::fixed, 3, -1.25, 7}, false, std::nullopt};
    hidden.contextual = input_config{"label", true, false, true, 0, {binning_config::kind::adaptive, 65535}, false, std::nullopt};
    hidden.lateral = input_config{"h-1", true, false, false, 6, {binning_config::kind::fixed, 2, 0, 1e-3}, false, std::nullopt};
    hidden.goal.assign(19, 0.0);
    for (std::size_t i = 0; i < 19; ++i) hidden.goal[i] = 0.1 * static_cast<double>(i) - 0.7;
    hidden.learning_rate = 0;
    hidden.weight_decay = 1e-7;
    layer_config readout;
    readout.name = "out";
    readout.neurons = 7;
    readout.activation.type = activation_config::kind::additive;
    readout.receptive = {"h-1", false, true, true, 0, {}, false, std::nullopt};
    readout.lateral = input_config{"out", true, false, true, 0, {}, false, std::nullopt};
    readout.goal = {0, 0, 1, 0, 0};
    config.layers = {hidden, readout};

    const auto text = to_toml(config);
    SCOPED_TRACE(text);
    expect_same(parse_config(text, "written.toml"), config);
    // And written again, the same text.
    EXPECT_EQ(to_toml(parse_config(text, "written.toml")), text);
}

// ---------------------------------------------------------------------------------------------
// The shipped configurations

TEST(ShippedConfigs, EveryOneParsesAndRoundTrips) {
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(configs_dir()))
        if (entry.path().extension() == ".toml") files.push_back(entry.path());
    ASSERT_GE(files.size(), 11u) << configs_dir();
    for (const auto& file : files) {
        SCOPED_TRACE(file.string());
        network_config config;
        ASSERT_NO_THROW(config = load_config(file, {})) << file;
        ASSERT_FALSE(config.layers.empty());
        expect_same(parse_config(to_toml(config), "written.toml"), config);
        if (config.task == task_kind::memory) {  // one recurrent layer, no readout
            EXPECT_EQ(config.layers.size(), 1u);
            EXPECT_TRUE(config.layers.front().receptive.diagonal);
            continue;
        }
        const auto& readout = config.layers.back();
        EXPECT_EQ(readout.name, "readout");
        EXPECT_EQ(readout.neurons, 10);
        ASSERT_TRUE(readout.contextual);
        EXPECT_EQ(readout.contextual->source, "label");
        EXPECT_TRUE(readout.contextual->identity);
        EXPECT_EQ(readout.goal, (std::vector<double>{-0.2, 0.1, 1.0, 0.1, 0.0}));
    }
}

TEST(ShippedConfigs, Wiring) {
    auto load = [](const char* name) { return load_config(configs_dir() / name, {}); };
    EXPECT_EQ(load("readout_only.toml").layers.size(), 1u);

    const auto sparse = load("trivariate_sparse.toml");
    EXPECT_EQ(sparse.layers[0].neurons, 2000);
    EXPECT_EQ(sparse.layers[0].lateral->fan_in, 100);
    EXPECT_EQ(sparse.layers[0].goal, load("trivariate_optimised.toml").layers[0].goal);

    const auto simplified = load("trivariate_simplified.toml");
    EXPECT_EQ(simplified.training.presentations, 2);
    EXPECT_EQ(simplified.layers[0].lateral->fan_in, 0);
    EXPECT_DOUBLE_EQ(simplified.layers[0].goal[0], 0.33);
    EXPECT_EQ(simplified.layers[0].contextual->binning.type, binning_config::kind::fixed);

    const auto lateral = load("lateral_optimised.toml");
    EXPECT_FALSE(lateral.layers[0].contextual);
    EXPECT_TRUE(lateral.layers[0].lateral);
    EXPECT_EQ(lateral.training.presentations, 2);

    const auto feedback = load("feedback.toml");
    EXPECT_EQ(feedback.layers[0].contextual->source, "readout");

    const auto random = load("random_projection.toml");
    EXPECT_EQ(random.layers[0].learning_rate, 0.0);
    EXPECT_FALSE(random.layers[0].receptive.learned);

    const auto context = load("context_optimised.toml");
    EXPECT_EQ(context.layers[0].goal, (std::vector<double>{0.0379, 0.3185, 0.7755, 0.1536, 0.0076}));
    EXPECT_EQ(context.layers[1].receptive.source, "hidden");
}

TEST(LoadConfig, OverridesAndMissingFiles) {
    const auto config = load_config(configs_dir() / "readout_only.toml", {"training.epochs=2"});
    EXPECT_EQ(config.training.epochs, 2);
    expect_load_error(configs_dir() / "no_such_file.toml", {},
                      "no_such_file.toml");
    expect_load_error(configs_dir(), {},
                      "is a directory, not a file");
    expect_load_error(configs_dir() / "readout_only.toml", {"training.epochs=0"},
                      "readout_only.toml: training.epochs");
}

}  // namespace
}  // namespace infomorph::io
