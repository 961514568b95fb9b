#include <infomorph/train/classification_task.hpp>

#include <infomorph/io/config.hpp>
#include <infomorph/io/dataset.hpp>
#include <infomorph/io/h5_file.hpp>
#include <infomorph/model/activity_packing.hpp>
#include <infomorph/model/partition.hpp>
#include <infomorph/pid/lattice.hpp>
#include <infomorph/train/network_state.hpp>
#include <infomorph/util/content_hash.hpp>

#include <algorithm>
#include <cstdio>
#include <chrono>
#include <numeric>
#include <stdexcept>

namespace infomorph {

struct training_data {
    io::idx_dataset set;
    io::data_split split;
    std::vector<std::size_t> test_rows;
};

namespace {

// Evaluation presentations draw their output samples from a step range that training never
// reaches, so that evaluating does not change the training run.
constexpr std::uint64_t evaluation_step_base = std::uint64_t{1} << 62;

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::vector<std::size_t> counts_per_rank(std::size_t n_neurons, int n_ranks, std::size_t per_neuron) {
    std::vector<std::size_t> counts(static_cast<std::size_t>(n_ranks));
    for (int r = 0; r < n_ranks; ++r)
        counts[static_cast<std::size_t>(r)] = owned_range(n_neurons, n_ranks, r).size() * per_neuron;
    return counts;
}

}  // namespace

classification_task::classification_task(network_config config, distributed_context context)
    : config_(std::move(config)), context_(std::move(context)) {
    data_ = std::make_unique<training_data>();
    {
        const auto io_time = timed(&timer_, phase::io);
        io::idx_load_options options;
        options.keep_bytes = true;  // a quarter of the memory, and a quarter of the traffic
        data_->set = io::load_idx_dataset(config_.data.directory, options);
    }
    data_->split = io::split_train_validation(data_->set.train_labels.size(), config_.training.seed,
                                              config_.data.validation_fraction);
    // Nothing to train on would run to "success" with a NaN goal.
    if (data_->set.train_labels.empty())
        throw std::invalid_argument("data set " + config_.data.directory +
                                    ": the training file holds no image");
    if (data_->split.train.empty())
        throw std::invalid_argument(
            "data set " + config_.data.directory + ": no training sample left: " +
            "data.validation_fraction = " + std::to_string(config_.data.validation_fraction) +
            " puts all " + std::to_string(data_->set.train_labels.size()) +
            " training images into validation");
    {
        const io::idx_dataset& set = data_->set;
        content_hash hash;
        hash.add_size(set.image_rows).add_size(set.image_cols).add_size(set.train_labels.size());
        hash.add(set.train_pixels).add(set.train_labels).add(set.test_pixels).add(set.test_labels);
        inputs_.fingerprint = hash.value();
        // Resolved on this rank: ranks that read copies in different places say which.
        std::error_code error;
        const std::filesystem::path where = std::filesystem::absolute(config_.data.directory, error);
        inputs_.description = (error ? config_.data.directory : where.string()) + ": " +
                              std::to_string(set.train_labels.size()) + " training and " +
                              std::to_string(set.test_labels.size()) + " test images of " +
                              std::to_string(set.image_rows) + "x" +
                              std::to_string(set.image_cols);
    }
    data_->test_rows.resize(data_->set.test_labels.size());
    std::iota(data_->test_rows.begin(), data_->test_rows.end(), std::size_t{0});
    const std::size_t n_pixels = data_->set.image_rows * data_->set.image_cols;
    const auto n_classes = static_cast<std::size_t>(data_->set.num_classes);
    const auto& readout = config_.layers.back();
    if (static_cast<std::size_t>(readout.neurons) != n_classes)
        throw std::invalid_argument("the readout layer '" + readout.name + "' has " +
                                    std::to_string(readout.neurons) +
                                    " neurons but the data set has " + std::to_string(n_classes) +
                                    " classes");
    const int n_ranks = context_.size();
    const int rank = context_.rank();
    int largest = 0;
    for (const auto& layer : config_.layers) largest = std::max(largest, layer.neurons);
    if (n_ranks > largest)
        throw std::invalid_argument(std::to_string(n_ranks) + " ranks but the largest layer has " +
                                    std::to_string(largest) +
                                    " neurons: some ranks would own no neuron at all; use at "
                                    "most " + std::to_string(largest) + " ranks");
    network_ = std::make_unique<network>(
        config_, n_pixels, n_classes,
        [n_ranks, rank](std::size_t n) { return owned_range(n, n_ranks, rank); },
        [this](const infomorphic_layer& layer, std::size_t batch, bool with_values,
               layer_activity& out) { gather_activity(layer, batch, with_values, out); });
    network_->set_timer(&timer_);
    // The readout's samples are read by no layer; evaluation uses its theta (gather_theta).
    network_->set_exchange_unread(false);
}

classification_task::~classification_task() = default;

std::size_t classification_task::batches_per_epoch() const {
    return io::batch_count(data_->split.train.size(),
                           static_cast<std::size_t>(config_.training.batch_size));
}

void classification_task::gather_activity(const infomorphic_layer& layer, std::size_t batch,
                              bool with_values, layer_activity& out) {
    if (!evaluating_) ++traffic_.exchanges;
    if (context_.size() == 1) {  // nothing to exchange: the local samples are the layer
        set_activity(layer.samples(), batch, with_values, out);
        return;
    }
    const std::size_t per_neuron = words_per_neuron(batch);
    const std::vector<std::size_t> counts = counts_per_rank(layer.n_neurons(), context_.size(), per_neuron);
    local_words_.resize(layer.n_local() * per_neuron);
    pack_activity(layer.samples(), batch, local_words_);
    out.bits.resize(layer.n_neurons() * per_neuron);
    context_.allgather_bits(local_words_, counts, out.bits);
    if (with_values) {
        out.values.resize(layer.n_neurons() * batch);
        unpack_activity(out.bits, batch, out.values);
    } else {
        out.values.clear();
    }
    if (!evaluating_) {
        traffic_.sent += static_cast<std::int64_t>(local_words_.size() * sizeof(std::uint64_t));
        traffic_.received += static_cast<std::int64_t>((out.bits.size() - local_words_.size()) *
                                                       sizeof(std::uint64_t));
    }
}

std::vector<float> classification_task::gather_theta(const infomorphic_layer& layer, std::size_t batch) {
    const std::vector<std::size_t> counts = counts_per_rank(layer.n_neurons(), context_.size(), batch);
    const std::vector<double> local(layer.theta().begin(), layer.theta().end());
    std::vector<double> all(layer.n_neurons() * batch);
    context_.allgather_reals(local, counts, all);
    return std::vector<float>(all.begin(), all.end());
}

void classification_task::load_batch(bool test_set, std::span<const std::size_t> rows) {
    const auto data_time = timed(&timer_, phase::data);
    const auto& pixels = test_set ? data_->set.test_pixels : data_->set.train_pixels;
    const auto& labels = test_set ? data_->set.test_labels : data_->set.train_labels;
    const std::size_t batch = rows.size();
    const std::size_t n_pixels = data_->set.image_rows * data_->set.image_cols;
    const auto n_classes = static_cast<std::size_t>(data_->set.num_classes);
    // The network reads inputs neuron-major: one row of batch values per pixel.
    image_.resize(n_pixels * batch);
    io::gather_pixels_transposed(pixels, n_pixels, data_->set.pixel_value, rows, image_);
    batch_labels_.resize(batch);
    io::gather_labels(labels, rows, batch_labels_);
    label_.assign(n_classes * batch, 0.0f);
    for (std::size_t b = 0; b < batch; ++b) label_[batch_labels_[b] * batch + b] = 1.0f;
}

epoch_result classification_task::train_epoch(int epoch) {
    const auto start = std::chrono::steady_clock::now();
    const auto batch_size = static_cast<std::size_t>(config_.training.batch_size);
    const std::vector<std::size_t> order = io::epoch_order(data_->split.train, config_.training.seed,
                                                           static_cast<std::uint64_t>(epoch));
    const std::size_t n_batches = batches_per_epoch();
    auto& layers = network_->layers();
    const std::size_t n_layers = layers.size();

    // Per local neuron, the goal summed over the epoch's batches; reduced in global neuron
    // order below, so the figures are the same on any rank count.
    std::vector<std::vector<double>> goal_sums(n_layers);
    for (std::size_t i = 0; i < n_layers; ++i) goal_sums[i].assign(layers[i].n_local(), 0.0);
    last_atoms_.assign(n_layers, {});
    for (std::size_t b = 0; b < n_batches; ++b) {
        const auto rows = io::batch_slice(order, b, batch_size);
        load_batch(false, rows);
        const std::uint64_t step = static_cast<std::uint64_t>(epoch) * n_batches + b;
        const auto goals = network_->train_step(image_.data(), label_.data(), rows.size(), step);
        for (std::size_t i = 0; i < n_layers; ++i)
            for (std::size_t j = 0; j < goals[i].size(); ++j) goal_sums[i][j] += goals[i][j];
        if (b + 1 == n_batches) {
            // The PID of every neuron's histogram on the epoch's last batch.
            const auto goal_time = timed(&timer_, phase::goal);
            for (std::size_t i = 0; i < n_layers; ++i)
                last_atoms_[i] = network_->decompose(i, rows.size());
        }
    }

    epoch_result result;
    result.epoch = epoch + 1;
    for (std::size_t i = 0; i < n_layers; ++i) {
        const auto n = static_cast<double>(layers[i].n_neurons());
        const std::vector<double> goal = context_.sum_in_global_order(goal_sums[i], 1);
        result.mean_goal.push_back(goal[0] / (n * static_cast<double>(n_batches)));
        const std::size_t width =
            pid::redundancy_lattice::of(static_cast<int>(layers[i].compartments().size())).size() + 1;
        std::vector<double> atoms = context_.sum_in_global_order(last_atoms_[i], width);
        for (double& a : atoms) a /= n;
        result.mean_atoms.push_back(std::move(atoms));
    }
    result.seconds = seconds_since(start);

    const auto evaluation_start = std::chrono::steady_clock::now();
    if (config_.training.evaluate_train)
        result.train_accuracy = evaluate(data_->split.train, false, evaluation_key(epoch, 0));
    result.validation_accuracy = evaluate(data_->split.validation, false, evaluation_key(epoch, 1));
    result.test_accuracy = evaluate(data_->test_rows, true, evaluation_key(epoch, 2));
    result.evaluation_seconds = seconds_since(evaluation_start);
    epochs_done_ = epoch + 1;
    return result;
}

std::uint64_t classification_task::evaluation_key(int epoch, int split) {
    return evaluation_step_base + (static_cast<std::uint64_t>(epoch) << 24) +
           (static_cast<std::uint64_t>(split) << 22);
}

double classification_task::evaluate(std::span<const std::size_t> indices, bool test_set,
                                     std::uint64_t key, const batch_observer& each_batch) {
    if (indices.empty()) return -1;
    const auto eval_time = timed(&timer_, phase::evaluate);
    const auto batch_size = static_cast<std::size_t>(config_.training.batch_size);
    const std::size_t n_batches = io::batch_count(indices.size(), batch_size);
    const auto& readout = network_->layers().back();
    const auto n_classes = static_cast<std::size_t>(data_->set.num_classes);
    std::size_t correct = 0;
    network_->set_timer(nullptr);  // evaluation is booked as one phase
    evaluating_ = true;            // and its exchanges are not training traffic
    for (std::size_t b = 0, first = 0; b < n_batches; ++b) {
        const auto rows = io::batch_slice(indices, b, batch_size);
        load_batch(test_set, rows);
        network_->infer(image_.data(), nullptr, rows.size(), key + b);
        const std::vector<float> theta = gather_theta(readout, rows.size());
        const auto predictions = readout_predictions(theta, n_classes, rows.size());
        for (std::size_t s = 0; s < rows.size(); ++s)
            if (predictions[s] == batch_labels_[s]) ++correct;
        if (each_batch) each_batch(first, rows.size(), predictions);
        first += rows.size();
    }
    network_->set_timer(&timer_);
    evaluating_ = false;
    return static_cast<double>(correct) / static_cast<double>(indices.size());
}

double classification_task::accuracy(const std::string& which) {
    if (which == "validation") return evaluate(data_->split.validation, false, evaluation_step_base);
    if (which == "train") return evaluate(data_->split.train, false, evaluation_step_base);
    if (which == "test") return evaluate(data_->test_rows, true, evaluation_step_base);
    throw std::invalid_argument("accuracy: unknown split '" + which + "'");
}

std::string classification_task::summary() const {
    std::string layers;
    for (const auto& l : config_.layers) layers += " " + l.name + "(" + std::to_string(l.neurons) + ")";
    return "layers:" + layers + "; " + std::to_string(batches_per_epoch()) + " batches per epoch";
}

void classification_task::label_metrics(io::metrics_log& metrics) const {
    for (const auto& layer : network_->layers()) {
        const auto& lattice =
            pid::redundancy_lattice::of(static_cast<int>(layer.compartments().size()));
        std::vector<std::string> labels;
        for (std::size_t i = 0; i < lattice.size(); ++i) labels.push_back(lattice.name(i));
        labels.push_back("h_res");
        metrics.set_labels("layers/" + layer.name() + "/mean_atoms", labels);
    }
}

namespace {
std::string percent(double fraction) {
    if (fraction < 0) return "-";
    char text[32];
    std::snprintf(text, sizeof text, "%.2f%%", 100 * fraction);
    return text;
}
}  // namespace

epoch_report classification_task::run_epoch(int epoch) {
    const epoch_result r = train_epoch(epoch);
    epoch_report report;
    report.epoch = r.epoch;
    report.train_seconds = r.seconds;
    report.evaluation_seconds = r.evaluation_seconds;
    report.evaluated = true;
    report.metrics.set_scalar("train_accuracy", r.train_accuracy)
        .set_scalar("validation_accuracy", r.validation_accuracy)
        .set_scalar("test_accuracy", r.test_accuracy);
    std::string goals;
    const auto& layers = config_.layers;
    for (std::size_t i = 0; i < layers.size(); ++i) {
        report.metrics.set_scalar("goal/" + layers[i].name, r.mean_goal[i]);
        report.metrics.set_vector("layers/" + layers[i].name + "/mean_atoms", r.mean_atoms[i]);
        char value[32];
        std::snprintf(value, sizeof value, "%.4f", r.mean_goal[i]);
        goals += " " + layers[i].name + " " + value;
    }
    report.progress = "goal" + goals + " | accuracy train " + percent(r.train_accuracy) +
                      " val " + percent(r.validation_accuracy) + " test " +
                      percent(r.test_accuracy);
    return report;
}


void classification_task::save_checkpoint(const std::filesystem::path& path) {
    const auto io_time = timed(&timer_, phase::io);
    io::h5_writer file(path, context_);
    write_run_attributes(file, config_, {epochs_done_, network_->updates(), false}, context_.size(),
                         state_file::checkpoint, inputs_);
    write_network_state(file, *network_, true);
    file.commit();
}

void classification_task::save_network(const std::filesystem::path& path) {
    const auto io_time = timed(&timer_, phase::io);
    io::h5_writer file(path, context_);
    write_run_attributes(file, config_, {epochs_done_, network_->updates(), false}, context_.size(),
                         state_file::results, inputs_);
    write_network_state(file, *network_, false);
    // Collective: a rank that owns none of a layer's neurons writes zero rows, but writes.
    if (last_atoms_.size() == network_->layers().size())
        for (std::size_t i = 0; i < last_atoms_.size(); ++i)
            write_neuron_atoms(file, network_->layers()[i], last_atoms_[i]);
    file.commit();
}

std::vector<std::string> classification_task::further_result_files() const {
    if (config_.output.codes) return {"codes.h5"};
    return {};
}

void classification_task::save_further_results(const std::filesystem::path& directory) {
    if (config_.output.codes) write_codes(directory / "codes.h5");
}

void classification_task::write_codes(const std::filesystem::path& path) {
    if (epochs_done_ == 0) throw std::logic_error("write_codes: no epoch trained yet");
    const auto& layers = network_->layers();
    const std::size_t n_hidden = layers.size() - 1;
    io::h5_writer file(path, context_);
    struct split {
        const char* name;
        std::span<const std::size_t> rows;
        bool test_set;
    };
    const split splits[] = {{"train", data_->split.train, false},
                            {"validation", data_->split.validation, false},
                            {"test", data_->test_rows, true}};
    // Every layer's activity, also of a hidden layer that no layer reads at the last
    // presentation (training skips that exchange).
    network_->set_exchange_unread(true);
    for (int which = 0; which < 3; ++which) {
        const split& s = splits[which];
        const std::size_t n = s.rows.size();
        if (n == 0) continue;  // no validation split: nothing to write
        std::vector<std::vector<std::uint64_t>> codes(n_hidden);
        for (std::size_t i = 0; i < n_hidden; ++i)
            codes[i].assign(n * words_per_neuron(layers[i].n_neurons()), 0);
        std::vector<std::uint32_t> labels(n), predictions(n);
        // The evaluation of the last epoch, batch by batch, with the same sampling keys.
        evaluate(s.rows, s.test_set, evaluation_key(epochs_done_ - 1, which),
                 [&](std::size_t first, std::size_t batch, const std::vector<int>& predicted) {
            for (std::size_t k = 0; k < batch; ++k) {
                labels[first + k] = batch_labels_[k];
                predictions[first + k] = static_cast<std::uint32_t>(predicted[k]);
            }
            // The gathered activity is neuron-major (a neuron's batch in consecutive words);
            // the file is sample-major (a sample's code in consecutive words).
            for (std::size_t i = 0; i < n_hidden; ++i) {
                const std::span<const std::uint64_t> bits = network_->activity_bits(i);
                const std::size_t n_neurons = layers[i].n_neurons();
                const std::size_t in_words = words_per_neuron(batch);
                const std::size_t out_words = words_per_neuron(n_neurons);
                if (bits.size() != n_neurons * in_words)
                    throw std::logic_error("write_codes: layer " + layers[i].name() +
                                           "'s activity was not gathered");
                for (std::size_t j = 0; j < n_neurons; ++j)
                    for (std::size_t k = 0; k < batch; ++k)
                        if ((bits[j * in_words + k / 64] >> (k % 64)) & 1u)
                            codes[i][(first + k) * out_words + j / 64] |= std::uint64_t{1} << (j % 64);
            }
        });
        const std::string group = std::string("/") + s.name + "/";
        file.write_array(group + "labels", {n}, std::span<const std::uint32_t>(labels));
        file.write_array(group + "predictions", {n}, std::span<const std::uint32_t>(predictions));
        for (std::size_t i = 0; i < n_hidden; ++i) {
            const std::string dataset = group + layers[i].name();
            file.write_array(dataset, {n, words_per_neuron(layers[i].n_neurons())},
                             std::span<const std::uint64_t>(codes[i]));
            file.set_attribute(dataset, "neurons", layers[i].n_neurons());
        }
    }
    network_->set_exchange_unread(false);
    write_run_attributes(file, config_, {epochs_done_, network_->updates(), false}, context_.size(),
                         state_file::results, inputs_);
    file.set_attribute("/", "layout",
                       "<split>/<layer>: samples x ceil(neurons / 64) uint64 words; bit j % 64 of "
                       "word j / 64 is set where neuron j emitted +1 (else -1)");
    file.commit();
}

void classification_task::load_stored_weights() {
    const auto io_time = timed(&timer_, phase::io);
    load_initial_weights(*network_, context_);
}

void classification_task::resume(const std::filesystem::path& path) {
    const auto io_time = timed(&timer_, phase::io);
    io::h5_reader file(path, context_);
    const run_progress progress = read_run_progress(file, config_, inputs_);
    read_network_state(file, *network_);
    epochs_done_ = progress.epochs_done;
    network_->set_updates(progress.updates);
}

}  // namespace infomorph
