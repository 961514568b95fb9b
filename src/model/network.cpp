#include <infomorph/model/network.hpp>

#include <infomorph/model/activity_packing.hpp>

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace infomorph {
namespace {

constexpr std::size_t no_layer = std::numeric_limits<std::size_t>::max();

std::size_t find_layer(const network_config& config, const std::string& name) {
    for (std::size_t i = 0; i < config.layers.size(); ++i)
        if (config.layers[i].name == name) return i;
    return no_layer;
}

}  // namespace

network::network(const network_config& config, std::size_t n_pixels, std::size_t n_classes,
                 ownership own, activity_gather gather)
    : config_(config), gather_(std::move(gather)) {
    if (config.layers.empty()) throw std::invalid_argument("network: no layers configured");
    if (!own) own = [](std::size_t n) { return neuron_range{0, n}; };
    if (!gather_)
        gather_ = [](const infomorphic_layer& layer, std::size_t batch, bool with_values,
                     layer_activity& out) { set_activity(layer.samples(), batch, with_values, out); };
    for (std::size_t i = 0; i < config.layers.size(); ++i) {
        const layer_config& lc = config.layers[i];
        std::vector<const input_config*> inputs{&lc.receptive};
        if (lc.contextual) inputs.push_back(&*lc.contextual);
        if (lc.lateral) inputs.push_back(&*lc.lateral);
        std::vector<std::size_t> sizes;
        std::vector<std::size_t> source_layers;
        for (std::size_t k = 0; k < inputs.size(); ++k) {
            const bool lateral = lc.lateral && k + 1 == inputs.size();
            const std::string& source = lateral ? lc.name : inputs[k]->source;
            if (source == "image") {
                sizes.push_back(n_pixels);
                source_layers.push_back(no_layer);
            } else if (source == "label") {
                sizes.push_back(n_classes);
                source_layers.push_back(no_layer);
            } else {
                const std::size_t s = find_layer(config, source);
                if (s == no_layer)
                    throw std::invalid_argument("layer '" + lc.name + "': source '" + source +
                                                "' is neither image, label nor a layer");
                sizes.push_back(static_cast<std::size_t>(config.layers[s].neurons));
                source_layers.push_back(s);
            }
        }
        const auto n_neurons = static_cast<std::size_t>(lc.neurons);
        layers_.emplace_back(lc, layer_identity{config.training.seed, i}, sizes, own(n_neurons));
        source_layer_.push_back(std::move(source_layers));
    }
    activity_.resize(layers_.size());
    previous_activity_.resize(layers_.size());
    last_sources_.resize(layers_.size());
    plan_presentations();
}

void network::plan_presentations() {
    const auto n_presentations = static_cast<std::size_t>(std::max(1, config_.training.presentations));
    const std::size_t n_layers = layers_.size();
    computed_.assign(n_presentations, std::vector<bool>(n_layers, true));
    // A layer's output at presentation p is read by the layers above it at p and by itself and
    // the layers below it at p + 1 (source_of). Backwards from the last presentation, where every
    // layer runs (it learns from it), a layer runs at p only if a layer that runs reads it.
    for (std::size_t p = n_presentations - 1; p-- > 0;)
        for (std::size_t i = n_layers; i-- > 0;) {
            bool read = false;
            for (std::size_t j = 0; j < n_layers && !read; ++j)
                for (std::size_t s : source_layer_[j])
                    if (s == i && (j > i ? computed_[p][j] : computed_[p + 1][j])) read = true;
            computed_[p][i] = read;
        }
    read_at_last_.assign(n_layers, false);
    for (std::size_t j = 0; j < n_layers; ++j)
        for (std::size_t s : source_layer_[j])
            if (s != no_layer && j > s) read_at_last_[s] = true;
    first_presentation_.assign(n_layers, 0);
    for (std::size_t i = 0; i < n_layers; ++i)
        while (!computed_[first_presentation_[i]][i]) ++first_presentation_[i];
    // Every compartment that reads a layer reads its packed bits (dense ones too: the kernels
    // unpack them), so a layer's float values are made only for the owner of the network.
}

bool network::runs_at(std::size_t i, int presentation) const {
    return computed_.at(static_cast<std::size_t>(presentation)).at(i);
}

activity_source network::source_of(std::size_t i, std::size_t k, const float* image,
                                   const float* label, int presentation) const {
    const std::size_t s = source_layer_[i][k];
    if (s == no_layer) return layers_[i].compartments()[k].source == "image" ? image : label;
    // Layers below read this presentation; the layer itself and layers above are read as they
    // were at the previous presentation (nothing before the first).
    if (s < i) return activity_[s].source();
    return presentation == 0 ? activity_source{} : previous_activity_[s].source();
}

void network::set_timer(phase_timer* timer) {
    timer_ = timer;
    for (auto& layer : layers_) layer.set_timer(timer);
}

void network::present(const float* image, const float* label, std::size_t batch, std::uint64_t step,
                      int presentation) {
    std::swap(activity_, previous_activity_);
    for (std::size_t i = 0; i < layers_.size(); ++i) {
        // Nothing reads this layer's output at this presentation (e.g. a readout before the last
        // one): skip its computation and its exchange. Its samples are keyed by presentation, so
        // no other random draw changes.
        if (!runs_at(i, presentation)) continue;
        infomorphic_layer& layer = layers_[i];
        auto& sources = last_sources_[i];
        sources.resize(layer.compartments().size());
        {
            const auto forward_time = timed(timer_, phase::forward);
            for (std::size_t k = 0; k < sources.size(); ++k) {
                const activity_source source = source_of(i, k, image, label, presentation);
                // Image and label drives do not change between presentations of the same batch:
                // computed at the layer's first presentation only.
                const bool fixed_input = source_layer_[i][k] == no_layer;
                if (static_cast<std::size_t>(presentation) == first_presentation_[i] || !fixed_input)
                    layer.compute_drive(k, source, batch);
                sources[k] = source;
            }
            layer.activate(batch, step, presentation);
        }
        const bool last = presentation + 1 == config_.training.presentations;
        if (!exchange_unread_ && !read_at_last_[i] && last)
            continue;  // nothing reads it and the owner of the network does not need it
        const bool with_values = last && exchange_unread_;
        const auto exchange_time = timed(timer_, phase::exchange);
        gather_(layer, batch, with_values, activity_[i]);
    }
}

std::vector<std::vector<double>> network::train_step(const float* image, const float* label,
                                                     std::size_t batch, std::uint64_t step) {
    for (int p = 0; p < config_.training.presentations; ++p) present(image, label, batch, step, p);
    ++updates_;
    std::vector<std::vector<double>> goals(layers_.size());
    for (std::size_t i = 0; i < layers_.size(); ++i) {
        if (!layers_[i].learns()) continue;
        const auto values = layers_[i].learn(last_sources_[i], batch, updates_, config_.training);
        goals[i].assign(values.begin(), values.end());
    }
    return goals;
}

void network::infer(const float* image, const float* label, std::size_t batch, std::uint64_t step) {
    for (int p = 0; p < config_.training.presentations; ++p) present(image, label, batch, step, p);
}

void set_activity(std::span<const float> values, std::size_t batch, bool with_values,
                  layer_activity& out) {
    out.bits.resize(values.size() / batch * words_per_neuron(batch));
    pack_activity(values, batch, out.bits);
    if (with_values)
        out.values.assign(values.begin(), values.end());
    else
        out.values.clear();
}

std::vector<int> readout_predictions(std::span<const float> theta, std::size_t n_classes,
                                     std::size_t batch) {
    std::vector<bool> inverted(n_classes);
    for (std::size_t j = 0; j < n_classes; ++j) {
        double sum = 0;
        for (std::size_t b = 0; b < batch; ++b) sum += theta[j * batch + b];
        inverted[j] = sum / static_cast<double>(batch) >= 0.5;
    }
    std::vector<int> predictions(batch);
    for (std::size_t b = 0; b < batch; ++b) {
        float best = -1;
        for (std::size_t j = 0; j < n_classes; ++j) {
            const float t = theta[j * batch + b];
            const float score = inverted[j] ? 1.0f - t : t;
            if (score > best) {
                best = score;
                predictions[b] = static_cast<int>(j);
            }
        }
    }
    return predictions;
}

}  // namespace infomorph
