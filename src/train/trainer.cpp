#include <infomorph/train/trainer.hpp>

#include <infomorph/io/dataset.hpp>

#include <chrono>
#include <stdexcept>

namespace infomorph {

struct training_data {
    io::idx_dataset set;
    io::data_split split;
    io::sample_matrix batch_rows;  // batch x n_pixels scratch
};

namespace {

// Evaluation presentations draw their output samples from a step range that training never
// reaches, so that evaluating does not change the training run.
constexpr std::uint64_t evaluation_step_base = std::uint64_t{1} << 62;

}  // namespace

trainer::trainer(network_config config) : config_(std::move(config)) {
    data_ = std::make_unique<training_data>();
    {
        const auto io_time = timed(&timer_, phase::io);
        data_->set = io::load_idx_dataset(config_.data.directory);
    }
    data_->split = io::split_train_validation(data_->set.train_labels.size(), config_.training.seed,
                                              config_.data.validation_fraction);
    const auto n_pixels = static_cast<std::size_t>(data_->set.train_images.cols());
    const auto n_classes = static_cast<std::size_t>(data_->set.num_classes);
    const auto& readout = config_.layers.back();
    if (static_cast<std::size_t>(readout.neurons) != n_classes)
        throw std::invalid_argument("the readout layer '" + readout.name + "' has " +
                                    std::to_string(readout.neurons) +
                                    " neurons but the data set has " + std::to_string(n_classes) +
                                    " classes");
    network_ = std::make_unique<network>(config_, n_pixels, n_classes);
    network_->set_timer(&timer_);
}

trainer::~trainer() = default;

void trainer::load_batch(bool test_set, std::span<const std::size_t> rows) {
    const auto data_time = timed(&timer_, phase::data);
    const io::sample_matrix& images = test_set ? data_->set.test_images : data_->set.train_images;
    const auto& labels = test_set ? data_->set.test_labels : data_->set.train_labels;
    const std::size_t batch = rows.size();
    const auto n_pixels = static_cast<std::size_t>(images.cols());
    const auto n_classes = static_cast<std::size_t>(data_->set.num_classes);
    auto& buffer = data_->batch_rows;
    if (static_cast<std::size_t>(buffer.rows()) < batch || buffer.cols() != images.cols())
        buffer.resize(static_cast<Eigen::Index>(batch), images.cols());
    auto top = buffer.topRows(static_cast<Eigen::Index>(batch));
    io::gather_rows(images, rows, top);
    // The network reads inputs neuron-major: one row of batch values per pixel.
    image_.resize(n_pixels * batch);
    Eigen::Map<io::sample_matrix>(image_.data(), static_cast<Eigen::Index>(n_pixels),
                                  static_cast<Eigen::Index>(batch)) = top.transpose();
    batch_labels_.resize(batch);
    io::gather_labels(labels, rows, batch_labels_);
    label_.assign(n_classes * batch, 0.0f);
    for (std::size_t b = 0; b < batch; ++b) label_[batch_labels_[b] * batch + b] = 1.0f;
}

epoch_result trainer::train_epoch(int epoch) {
    const auto start = std::chrono::steady_clock::now();
    const auto batch_size = static_cast<std::size_t>(config_.training.batch_size);
    const std::vector<std::size_t> order =
        io::epoch_order(data_->split.train, config_.training.seed, static_cast<std::uint64_t>(epoch));
    const std::size_t n_batches = io::batch_count(order.size(), batch_size);
    const std::size_t n_layers = network_->layers().size();

    epoch_result result;
    result.epoch = epoch + 1;
    result.mean_goal.assign(n_layers, 0.0);
    std::size_t neuron_batches = 0;
    for (std::size_t b = 0; b < n_batches; ++b) {
        const auto rows = io::batch_slice(order, b, batch_size);
        load_batch(false, rows);
        const std::uint64_t step = static_cast<std::uint64_t>(epoch) * n_batches + b;
        const auto goals = network_->train_step(image_.data(), label_.data(), rows.size(), step);
        for (std::size_t i = 0; i < n_layers; ++i) result.mean_goal[i] += goals[i];
        ++neuron_batches;
        if (b + 1 == n_batches) {
            // The PID of every neuron on the epoch's last batch, before its update took effect.
            for (std::size_t i = 0; i < n_layers; ++i) {
                const auto& layer = network_->layers()[i];
                const std::vector<double> per_neuron = network_->decompose(i, rows.size());
                const std::size_t width = per_neuron.size() / std::max<std::size_t>(layer.n_local(), 1);
                std::vector<double> mean(width, 0.0);
                for (std::size_t j = 0; j < layer.n_local(); ++j)
                    for (std::size_t a = 0; a < width; ++a) mean[a] += per_neuron[j * width + a];
                for (double& m : mean) m /= static_cast<double>(layer.n_neurons());
                result.mean_atoms.push_back(std::move(mean));
            }
        }
    }
    for (std::size_t i = 0; i < n_layers; ++i)
        result.mean_goal[i] /= static_cast<double>(neuron_batches) *
                               static_cast<double>(network_->layers()[i].n_neurons());
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    const std::uint64_t key = evaluation_step_base + (static_cast<std::uint64_t>(epoch) << 24);
    if (config_.training.evaluate_train)
        result.train_accuracy = evaluate(data_->split.train, false, key);
    result.validation_accuracy = evaluate(data_->split.validation, false, key + (1u << 22));
    std::vector<std::size_t> test_rows(data_->set.test_labels.size());
    for (std::size_t i = 0; i < test_rows.size(); ++i) test_rows[i] = i;
    result.test_accuracy = evaluate(test_rows, true, key + (2u << 22));
    return result;
}

double trainer::evaluate(const std::vector<std::size_t>& indices, bool test_set,
                         std::uint64_t key) {
    if (indices.empty()) return -1;
    const auto eval_time = timed(&timer_, phase::evaluate);
    const auto batch_size = static_cast<std::size_t>(config_.training.batch_size);
    const std::size_t n_batches = io::batch_count(indices.size(), batch_size);
    const std::size_t readout = network_->layers().size() - 1;
    const auto n_classes = static_cast<std::size_t>(data_->set.num_classes);
    std::size_t correct = 0;
    network_->set_timer(nullptr);  // evaluation is booked as one phase
    for (std::size_t b = 0; b < n_batches; ++b) {
        const auto rows = io::batch_slice(indices, b, batch_size);
        load_batch(test_set, rows);
        network_->infer(image_.data(), nullptr, rows.size(), key + b);
        const auto predictions =
            readout_predictions(network_->layers()[readout].theta(), n_classes, rows.size());
        for (std::size_t s = 0; s < rows.size(); ++s)
            if (predictions[s] == batch_labels_[s]) ++correct;
    }
    network_->set_timer(&timer_);
    return static_cast<double>(correct) / static_cast<double>(indices.size());
}

double trainer::accuracy(const std::string& which) {
    if (which == "validation") return evaluate(data_->split.validation, false, evaluation_step_base);
    if (which == "train") return evaluate(data_->split.train, false, evaluation_step_base);
    if (which == "test") {
        std::vector<std::size_t> rows(data_->set.test_labels.size());
        for (std::size_t i = 0; i < rows.size(); ++i) rows[i] = i;
        return evaluate(rows, true, evaluation_step_base);
    }
    throw std::invalid_argument("accuracy: unknown split '" + which + "'");
}

void trainer::run(const std::function<void(const epoch_result&)>& on_epoch) {
    for (int epoch = epochs_done_; epoch < config_.training.epochs; ++epoch) {
        const epoch_result result = train_epoch(epoch);
        epochs_done_ = epoch + 1;
        if (on_epoch) on_epoch(result);
    }
}

}  // namespace infomorph
