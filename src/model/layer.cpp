#include <infomorph/model/layer.hpp>

#include <infomorph/model/activation.hpp>
#include "model/kernels.hpp"
#include <infomorph/util/random.hpp>

#include <Eigen/Core>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <utility>

namespace infomorph {
namespace {

// Runs body(first, last) over one contiguous range of [0, n) per thread, the boundaries
// multiples of alignment.
template <typename Body>
void for_ranges(std::size_t n, std::size_t alignment, Body&& body) {
    const auto n_threads = static_cast<std::size_t>(omp_get_max_threads());
    const std::size_t per_thread =
        std::max<std::size_t>(alignment, ((n + n_threads - 1) / n_threads + alignment - 1) /
                                             alignment * alignment);
    const auto n_ranges = static_cast<std::ptrdiff_t>((n + per_thread - 1) / per_thread);
#pragma omp parallel for schedule(static, 1)
    for (std::ptrdiff_t r = 0; r < n_ranges; ++r) {
        const std::size_t first = static_cast<std::size_t>(r) * per_thread;
        body(first, std::min(n, first + per_thread));
    }
}

// Runs body(first, last) over one contiguous block of local neurons per thread (a multiple of
// the dense kernels' neuron blocks), so that each kernel call streams its inputs once. Every
// neuron's arithmetic is the same whichever block or thread it lands in.
template <typename Body>
void for_neuron_blocks(std::size_t n, Body&& body) {
    for_ranges(n, kernels::neuron_alignment, std::forward<Body>(body));
}

// Too few neurons to give every thread several whole blocks: split another dimension.
bool few_neurons(std::size_t n) {
    return n < 16 * static_cast<std::size_t>(omp_get_max_threads());
}

// fan_in distinct partners among the n - 1 neurons other than j, sorted; all of them if
// fan_in == n - 1.
std::vector<std::uint32_t> lateral_partners(std::size_t n, std::size_t j, std::size_t fan_in,
                                            const counter_rng& rng) {
    std::vector<std::uint32_t> others(n - 1);
    for (std::size_t i = 0; i < n - 1; ++i)
        others[i] = static_cast<std::uint32_t>(i < j ? i : i + 1);
    if (fan_in < n - 1)
        for (std::size_t i = 0; i < fan_in; ++i)  // partial Fisher-Yates
            std::swap(others[i], others[i + rng.below(i, n - 1 - i)]);
    others.resize(fan_in);
    std::sort(others.begin(), others.end());
    return others;
}

// Whether compartment c reads a non-empty source packed: every source with bits (a layer's +-1
// activity) is read so, by the sparse and the dense kernels alike; any other (image, label)
// needs the values, and a source with neither is a wiring error of the network.
bool reads_packed(const compartment& c, activity_source source, const std::string& layer) {
    const bool packed = source.bits != nullptr;
    if (!packed && source.values == nullptr)
        throw std::logic_error("layer '" + layer + "': the " + c.role +
                               " class needs its input as values, not packed");
    return packed;
}

}  // namespace

infomorphic_layer::infomorphic_layer(const layer_config& config, layer_identity identity,
                                     std::span<const std::size_t> source_sizes, neuron_range owned)
    : config_(config),
      theta_floor_(static_cast<float>(config.activation.theta_floor)),
      heaviside_output_(config.activation.output == activation_config::output_kind::heaviside),
      identity_(identity),
      owned_(owned) {
    const std::size_t n = n_neurons();
    if (n == 0) throw std::invalid_argument("layer '" + config.name + "' has no neurons");
    if (owned.last > n || owned.first > owned.last)
        throw std::invalid_argument("layer '" + config.name +
                                    "': owned neuron range out of bounds");

    std::vector<std::pair<std::string, const input_config*>> classes{
        {"receptive", &config.receptive}};
    if (config.contextual) classes.emplace_back("contextual", &*config.contextual);
    if (config.lateral) classes.emplace_back("lateral", &*config.lateral);
    if (classes.size() < 2)
        throw std::invalid_argument("layer '" + config.name +
                                    "' needs a contextual or lateral input class besides the "
                                    "receptive one");
    if (source_sizes.size() != classes.size())
        throw std::invalid_argument("layer '" + config.name + "': expected " +
                                    std::to_string(classes.size()) + " source sizes");

    const std::size_t n_local = owned.size();
    for (std::size_t k = 0; k < classes.size(); ++k) {
        const auto& [role, input] = classes[k];
        compartment c;
        c.role = role;
        c.source = role == "lateral" ? config.name : input->source;
        c.learned = class_learns(config, *input);
        c.has_bias = input->bias && !input->identity;
        c.n_source = source_sizes[k];
        c.binning = input->binning;
        if (role == "lateral") {
            if (n < 2)
                throw std::invalid_argument("layer '" + config.name +
                                            "': lateral input needs at least two neurons");
            const std::size_t fan_in =
                input->fan_in == 0 ? n - 1 : static_cast<std::size_t>(input->fan_in);
            if (fan_in > n - 1)
                throw std::invalid_argument("layer '" + config.name + "': lateral fan_in " +
                                            std::to_string(fan_in) + " exceeds the " +
                                            std::to_string(n - 1) + " other neurons");
            c.sparse = true;
            c.n_inputs = fan_in;
            c.partner.reserve(n_local * fan_in);
            for (std::size_t j = owned.first; j < owned.last; ++j) {
                const counter_rng rng(identity.seed, stream::lateral_partners, {identity.index, j});
                const auto partners = lateral_partners(n, j, fan_in, rng);
                c.partner.insert(c.partner.end(), partners.begin(), partners.end());
            }
        } else if (input->diagonal) {
            // One weight per neuron, on the source element of its own id: a sparse class with
            // one partner, so it runs through the sparse (and packed) kernels.
            if (c.n_source != n)
                throw std::invalid_argument("layer '" + config.name + "': diagonal " + role +
                                            " weights need as many inputs as neurons (" +
                                            std::to_string(n) + "), the source has " +
                                            std::to_string(c.n_source));
            c.sparse = true;
            c.n_inputs = 1;
            for (std::size_t j = owned.first; j < owned.last; ++j)
                c.partner.push_back(static_cast<std::uint32_t>(j));
        } else {
            c.n_inputs = c.n_source;
        }
        if (input->identity && c.n_source != n)
            throw std::invalid_argument("layer '" + config.name + "': identity " + role +
                                        " weights need as many inputs as neurons (" +
                                        std::to_string(n) + "), the source has " +
                                        std::to_string(c.n_source));

        c.weight.assign(n_local * c.n_inputs, 0.0f);
        c.bias.assign(n_local, 0.0f);
        // PyTorch's default for linear layers: uniform in +-1/sqrt(fan-in), weights and bias.
        const double bound =
            1.0 / std::sqrt(static_cast<double>(std::max<std::size_t>(c.n_inputs, 1)));
        for (std::size_t jl = 0; jl < n_local; ++jl) {
            const std::size_t j = owned.first + jl;
            if (input->identity) {
                c.weight[jl * c.n_inputs + j] = 1.0f;
                continue;
            }
            const counter_rng rng(identity.seed, stream::weight_init, {identity.index, k, j});
            for (std::size_t i = 0; i < c.n_inputs; ++i)
                c.weight[jl * c.n_inputs + i] =
                    input->initial_weight ? static_cast<float>(*input->initial_weight)
                                          : static_cast<float>((2 * rng.uniform(i) - 1) * bound);
            if (c.has_bias)
                c.bias[jl] = static_cast<float>((2 * rng.uniform(c.n_inputs) - 1) * bound);
        }
        if (c.learned) {
            c.weight_optimiser = adam(c.weight.size());
            c.bias_optimiser = adam(c.bias.size());
        }
        binnings_.push_back(c.binning);
        compartments_.push_back(std::move(c));
    }

    const int n_sources = static_cast<int>(compartments_.size());
    const auto n_threads = static_cast<std::size_t>(omp_get_max_threads());
    for (std::size_t t = 0; t < n_threads; ++t)
        goals_.push_back(std::make_unique<local_goal>(n_sources, config.goal));
}

bool infomorphic_layer::learns() const {
    return std::any_of(compartments_.begin(), compartments_.end(),
                       [](const compartment& c) { return c.learned; });
}

void infomorphic_layer::compute_drive(std::size_t k, activity_source source, std::size_t batch) {
    compartment& c = compartments_.at(k);
    c.drive.resize(n_local() * batch);
    if (source.empty()) {
        for (std::size_t j = 0; j < n_local(); ++j)
            std::fill_n(c.drive.begin() + static_cast<std::ptrdiff_t>(j * batch), batch, c.bias[j]);
        return;
    }
    const bool packed = reads_packed(c, source, name());
    if (!c.sparse && few_neurons(n_local())) {
        // Few neurons (a readout): the threads split the batch instead.
        for_ranges(batch, kernels::sample_alignment, [&](std::size_t first, std::size_t last) {
            if (packed)
                kernels::dense_drive_samples_bits(source.bits, c.n_inputs, batch, c.weight.data(),
                                                  n_local(), c.bias.data(), c.drive.data(), first,
                                                  last);
            else
                kernels::dense_drive_samples(source.values, c.n_inputs, batch, c.weight.data(),
                                             n_local(), c.bias.data(), c.drive.data(), first, last);
        });
        return;
    }
    for_neuron_blocks(n_local(), [&](std::size_t first, std::size_t last) {
        const std::uint32_t* partner = c.sparse ? c.partner.data() + first * c.n_inputs : nullptr;
        const float* weight = c.weight.data() + first * c.n_inputs;
        float* drive = c.drive.data() + first * batch;
        if (packed && c.sparse)
            kernels::sparse_drive_bits(source.bits, batch, partner, weight, last - first,
                                       c.n_inputs, c.bias.data() + first, drive);
        else if (packed)
            kernels::dense_drive_bits(source.bits, c.n_inputs, batch, weight, last - first,
                                      c.bias.data() + first, drive);
        else if (c.sparse)
            kernels::sparse_drive(source.values, batch, partner, weight, last - first, c.n_inputs,
                                  c.bias.data() + first, drive);
        else
            kernels::dense_drive(source.values, c.n_inputs, batch, weight, last - first,
                                 c.bias.data() + first, drive);
    });
}

std::span<const float> infomorphic_layer::drive_row(std::size_t k, std::size_t j,
                                                    std::size_t batch) const {
    return std::span<const float>(compartments_[k].drive).subspan(j * batch, batch);
}

void infomorphic_layer::activate(std::size_t batch, std::uint64_t step, int presentation) {
    const std::size_t n_local_neurons = n_local();
    theta_.resize(n_local_neurons * batch);
    samples_.resize(n_local_neurons * batch);
    while (mixed_counter_.size() < batch) mixed_counter_.push_back(mix64(mixed_counter_.size()));
    for_neuron_blocks(n_local_neurons, [&](std::size_t first, std::size_t last) {
        for (std::size_t j = first; j < last; ++j) {
            const std::size_t row = j * batch;
            float* theta = theta_.data() + row;
            activate_rows(config_.activation, class_drive(0, row), class_drive(1, row),
                          class_drive(2, row), batch, theta);
            if (heaviside_output_)  // sign(A), from the drive itself (theta may round to 1/2)
                for (std::size_t b = 0; b < batch; ++b)
                    samples_[row + b] = theta[b] > 0.0f ? 1.0f : -1.0f;
            // Into an aligned array first: see activation.cpp on why not straight into theta.
            const Eigen::ArrayXf p = Eigen::Map<const Eigen::ArrayXf>(
                                         theta, static_cast<Eigen::Index>(batch))
                                         .logistic()
                                         .max(theta_floor_)
                                         .min(1.0f - theta_floor_);
            std::copy_n(p.data(), batch, theta);
            if (heaviside_output_) continue;
            const counter_rng rng(identity_.seed, stream::output_sample,
                                  {identity_.index, owned_.first + j, step,
                                   static_cast<std::uint64_t>(presentation)});
            for (std::size_t b = 0; b < batch; ++b)
                samples_[row + b] = rng.uniform_premixed(mixed_counter_[b]) < theta[b] ? 1.0f : -1.0f;
        }
    });
}

const float* infomorphic_layer::class_drive(std::size_t k, std::size_t row) const {
    return k < compartments_.size() ? compartments_[k].drive.data() + row : nullptr;
}

namespace {

// d theta / dA of the clamped theta: theta (1 - theta) inside the clamp, 0 where theta sits on
// it. Beyond the clamp theta no longer depends on the drive, so the slope there is exactly 0 (as
// autograd gives the reference's clamp); the unclamped formula would leave about 1e-6 there. In
// a trained readout most samples sit on the clamp (83% of the test drives of readout_only after
// 100 epochs), so this is the common case, not an edge case.
float theta_derivative(float theta, float floor) {
    return theta > floor && theta < 1.0f - floor ? theta * (1.0f - theta) : 0.0f;
}

}  // namespace

std::size_t infomorphic_layer::learning_chunk(std::size_t batch) const {
    // A layer that splits its inputs or samples between threads (few neurons) takes all its
    // neurons at once; any other runs its goal gradients and weight gradients in chunks of
    // neurons whose slopes (one row per class and dG/dA, each batch floats) fill about
    // slope_memory_ (32 MB),
    // so that the slopes cost no memory per neuron (a layer-wide copy would be 16 KB per
    // trivariate neuron at a batch of 1024) while each chunk still gives every thread many
    // whole kernel blocks.
    const std::size_t n = n_local();
    if (few_neurons(n)) return std::max<std::size_t>(n, 1);
    const std::size_t per_neuron = (compartments_.size() + 1) * batch * sizeof(float);
    const std::size_t floor = 16 * kernels::neuron_alignment *
                              static_cast<std::size_t>(omp_get_max_threads());
    const std::size_t chunk = std::max(floor, slope_memory_ / std::max<std::size_t>(per_neuron, 1));
    return std::min(n, chunk / kernels::neuron_alignment * kernels::neuron_alignment);
}

std::span<const double> infomorphic_layer::learn(std::span<const activity_source> sources,
                                                 std::size_t batch, std::uint64_t update_count,
                                                 const training_config& training) {
    const std::size_t n_local_neurons = n_local();
    goal_values_.assign(n_local_neurons, 0.0);
    for (auto& c : compartments_) {
        if (!c.learned) continue;
        c.weight_gradient.assign(c.weight.size(), 0.0f);
        c.bias_gradient.assign(c.bias.size(), 0.0f);
    }
    const std::size_t chunk = learning_chunk(batch);
    theta_slope_.resize(chunk * batch);
    for (auto& c : compartments_) c.slope.resize(chunk * batch);
    // Neuron by neuron the arithmetic is the same for any chunk: the chunks change only which
    // slopes are held at a time.
    for (std::size_t first = 0; first < n_local_neurons; first += chunk) {
        const std::size_t last = std::min(n_local_neurons, first + chunk);
        goal_slopes(first, last, batch);
        weight_gradients(sources, first, last, batch);
    }
    // Only once every gradient is known: a non-finite one leaves all weights as they were.
    const auto update_time = timed(timer_, phase::update);
    const adam_settings settings{config_.learning_rate, config_.weight_decay, training.adam_beta1,
                                 training.adam_beta2, training.adam_epsilon};
    for (compartment& c : compartments_) {
        if (!c.learned) continue;
        c.weight_optimiser.step(settings, update_count, c.weight, c.weight_gradient);
        if (c.has_bias) c.bias_optimiser.step(settings, update_count, c.bias, c.bias_gradient);
    }
    return goal_values_;
}

void infomorphic_layer::goal_slopes(std::size_t first, std::size_t last, std::size_t batch) {
    const std::size_t n_classes = compartments_.size();
    const auto goal_time = timed(timer_, phase::goal);
#pragma omp parallel
    {
        local_goal& goal = *goals_[static_cast<std::size_t>(omp_get_thread_num())];
        std::vector<std::span<const float>> rows(n_classes);
#pragma omp for schedule(dynamic, 1)
        for (std::ptrdiff_t jj = static_cast<std::ptrdiff_t>(first);
             jj < static_cast<std::ptrdiff_t>(last); ++jj) {
            const auto j = static_cast<std::size_t>(jj);
            for (std::size_t k = 0; k < n_classes; ++k) rows[k] = drive_row(k, j, batch);
            const std::span<const float> theta(theta_.data() + j * batch, batch);
            const std::size_t slope_row = (j - first) * batch;
            const std::span<float> slope(theta_slope_.data() + slope_row, batch);
            goal_values_[j] = goal.gradient(rows, binnings_, theta, slope);
            // dG/d(class input) = dG/dtheta * theta (1 - theta) * dA/d(class input)
            const std::size_t row = j * batch;
            float* slopes[3] = {nullptr, nullptr, nullptr};
            for (std::size_t k = 0; k < n_classes; ++k)
                slopes[k] = compartments_[k].slope.data() + slope_row;
            activation_slopes(config_.activation, class_drive(0, row), class_drive(1, row),
                              class_drive(2, row), batch, slopes[0], slopes[1], slopes[2]);
            for (std::size_t b = 0; b < batch; ++b) {
                const float d_drive = slope[b] * theta_derivative(theta[b], theta_floor_);
                for (std::size_t k = 0; k < n_classes; ++k) slopes[k][b] *= d_drive;
            }
        }
    }
}

void infomorphic_layer::weight_gradients(std::span<const activity_source> sources,
                                         std::size_t first, std::size_t last, std::size_t batch) {
    const auto update_time = timed(timer_, phase::update);
    const std::size_t n_here = last - first;
    for (std::size_t k = 0; k < compartments_.size(); ++k) {
        compartment& c = compartments_[k];
        if (!c.learned) continue;
        const std::span<const float> slopes(c.slope.data(), n_here * batch);
        for (float s : slopes)
            if (!std::isfinite(s))
                throw std::runtime_error("layer '" + name() +
                                         "': non-finite goal gradient in the " + c.role +
                                         " class; weights left unchanged");
        const activity_source source = sources[k];
        const bool packed = !source.empty() && reads_packed(c, source, name());
        float* weight_gradient = c.weight_gradient.data() + first * c.n_inputs;
        float* bias_gradient = c.bias_gradient.data() + first;
        if (source.empty()) {
            for (std::size_t j = 0; j < n_here; ++j)
                bias_gradient[j] = kernels::sum(c.slope.data() + j * batch, batch);
        } else if (!c.sparse && few_neurons(n_local())) {  // then the chunk is the layer
            for_ranges(c.n_inputs, 1, [&](std::size_t i0, std::size_t i1) {
                if (packed)
                    kernels::dense_weight_gradient_inputs_bits(c.slope.data(), n_here, batch,
                                                               source.bits, c.n_inputs,
                                                               weight_gradient, i0, i1);
                else
                    kernels::dense_weight_gradient_inputs(c.slope.data(), n_here, batch,
                                                          source.values, c.n_inputs,
                                                          weight_gradient, i0, i1);
            });
            for (std::size_t j = 0; j < n_here; ++j)
                bias_gradient[j] = kernels::sum(c.slope.data() + j * batch, batch);
        } else {
            for_neuron_blocks(n_here, [&](std::size_t b0, std::size_t b1) {
                float* grad = weight_gradient + b0 * c.n_inputs;
                float* bias_grad = bias_gradient + b0;
                const float* slope = c.slope.data() + b0 * batch;
                const std::uint32_t* partner =
                    c.sparse ? c.partner.data() + (first + b0) * c.n_inputs : nullptr;
                if (packed && c.sparse)
                    kernels::sparse_weight_gradient_bits(slope, b1 - b0, batch, source.bits,
                                                         partner, c.n_inputs, grad, bias_grad);
                else if (packed)
                    kernels::dense_weight_gradient_bits(slope, b1 - b0, batch, source.bits,
                                                        c.n_inputs, grad, bias_grad);
                else if (c.sparse)
                    kernels::sparse_weight_gradient(slope, b1 - b0, batch, source.values,
                                                    partner, c.n_inputs, grad, bias_grad);
                else
                    kernels::dense_weight_gradient(slope, b1 - b0, batch, source.values,
                                                   c.n_inputs, grad, bias_grad);
            });
        }
    }
}

std::vector<double> infomorphic_layer::decompose(std::size_t batch) {
    const std::size_t n_classes = compartments_.size();
    const std::size_t n_atoms = pid::redundancy_lattice::of(static_cast<int>(n_classes)).size();
    std::vector<double> result(n_local() * (n_atoms + 1));
#pragma omp parallel
    {
        local_goal& goal = *goals_[static_cast<std::size_t>(omp_get_thread_num())];
        std::vector<std::span<const float>> rows(n_classes);
#pragma omp for schedule(dynamic, 1)
        for (std::ptrdiff_t jj = 0; jj < static_cast<std::ptrdiff_t>(n_local()); ++jj) {
            const auto j = static_cast<std::size_t>(jj);
            for (std::size_t k = 0; k < n_classes; ++k) rows[k] = drive_row(k, j, batch);
            const pid::pid_values values = goal.decompose(
                rows, binnings_, std::span<const float>(theta_.data() + j * batch, batch));
            std::copy(values.atoms.begin(), values.atoms.end(),
                      result.begin() + static_cast<std::ptrdiff_t>(j * (n_atoms + 1)));
            result[j * (n_atoms + 1) + n_atoms] = values.h_res;
        }
    }
    return result;
}

}  // namespace infomorph
