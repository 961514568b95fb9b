#include <infomorph/train/capacity.hpp>

#include <infomorph/io/h5_file.hpp>
#include <infomorph/train/memory_task.hpp>
#include <infomorph/train/run.hpp>
#include <infomorph/util/error_text.hpp>
#include <infomorph/util/files.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <stdexcept>

namespace infomorph {
namespace {

namespace fs = std::filesystem;
constexpr const char* program = "infomorph capacity";

const char* rule_name(memory_rule rule) {
    return rule == memory_rule::hebbian ? "hebbian" : "infomorphic";
}

struct seed_summary {
    memory_rule rule;
    std::uint64_t seed;
    std::size_t neurons;
    double capacity;
    std::size_t loads_tried;
    double seconds;
};

std::string number(double value) { return fmt::format("{}", value); }

// A load as printed: P / N exactly as stored, at most 6 significant digits.
std::string load_text(double load) { return fmt::format("{:.6g}", load); }

void write_outputs(const fs::path& directory, const std::vector<load_result>& rows,
                   const std::vector<seed_summary>& summaries, const std::string& config_text) {
    std::ostringstream csv;
    csv << "rule,seed,neurons,load,patterns,recalled_fraction,mean_cosine,epochs,seconds,held,"
           "flip_max\n";
    for (const auto& r : rows)
        csv << rule_name(r.rule) << ',' << r.seed << ',' << r.neurons << ',' << number(r.load) << ','
            << r.patterns << ',' << number(r.recalled_fraction) << ',' << number(r.mean_cosine)
            << ',' << r.epochs << ',' << number(r.seconds) << ',' << (r.held ? 1 : 0) << ','
            << number(r.flip_max) << '\n';
    write_file_atomically(directory / "capacity.csv", csv.str());

    std::ostringstream summary;
    summary << "rule,seed,neurons,capacity,loads_tried,seconds\n";
    for (const auto& s : summaries)
        summary << rule_name(s.rule) << ',' << s.seed << ',' << s.neurons << ','
                << number(s.capacity) << ',' << s.loads_tried << ',' << number(s.seconds) << '\n';
    write_file_atomically(directory / "capacity_summary.csv", summary.str());

    // Serial HDF5 from rank 0 alone, through a temporary file like every result.
    io::h5_writer file(directory / "capacity.h5", make_local_context());
    const std::size_t n = rows.size();
    auto column = [&](const char* name, auto value) {
        std::vector<double> data(n);
        for (std::size_t i = 0; i < n; ++i) data[i] = value(rows[i]);
        file.write_array(std::string("loads/") + name, {n}, std::span<const double>(data));
    };
    {
        // Exact: a seed above 2^53 does not survive a double.
        std::vector<std::uint64_t> seeds(n);
        for (std::size_t i = 0; i < n; ++i) seeds[i] = rows[i].seed;
        file.write_array("loads/seed", {n}, std::span<const std::uint64_t>(seeds));
    }
    column("hebbian", [](const load_result& r) { return r.rule == memory_rule::hebbian ? 1.0 : 0.0; });
    column("neurons", [](const load_result& r) { return static_cast<double>(r.neurons); });
    column("load", [](const load_result& r) { return r.load; });
    column("patterns", [](const load_result& r) { return static_cast<double>(r.patterns); });
    column("recalled_fraction", [](const load_result& r) { return r.recalled_fraction; });
    column("mean_cosine", [](const load_result& r) { return r.mean_cosine; });
    column("epochs", [](const load_result& r) { return static_cast<double>(r.epochs); });
    column("seconds", [](const load_result& r) { return r.seconds; });
    column("held", [](const load_result& r) { return r.held ? 1.0 : 0.0; });
    column("flip_max", [](const load_result& r) { return r.flip_max; });
    std::vector<double> capacity;
    for (const auto& s : summaries) capacity.push_back(s.capacity);
    file.write_array("capacity", {capacity.size()}, std::span<const double>(capacity));
    file.set_attribute("/", "configuration", config_text);
    file.set_attribute("/", "columns", std::string_view("see capacity.csv; loads/hebbian is 1 for "
                                                        "the Hebbian rule, 0 for the infomorphic"));
    file.commit();
}

}  // namespace

std::vector<double> capacity_loads(const capacity_config& grid, std::size_t n_neurons) {
    std::vector<double> loads;
    std::size_t previous = 0;
    // Integer steps, so that 0.2 + 40 * 0.02 is computed once, not accumulated.
    for (std::size_t k = 0;; ++k) {
        const double load = grid.start + static_cast<double>(k) * grid.step;
        if (load > grid.stop + 1e-9) break;
        const auto p = static_cast<std::size_t>(std::llround(load * static_cast<double>(n_neurons)));
        if (p < 1 || p == previous) continue;
        loads.push_back(load);
        previous = p;
    }
    return loads;
}

load_result measure_load(const network_config& base, std::size_t n_patterns,
                         const distributed_context& context) {
    const auto start = std::chrono::steady_clock::now();
    network_config config = base;
    config.memory.patterns = static_cast<int>(n_patterns);
    memory_task memory(config, context);
    int epoch = 0;
    while (epoch < config.training.epochs && !memory.done()) memory.run_epoch(epoch++);
    load_result result;
    result.rule = config.memory.rule;
    result.seed = config.training.seed;
    result.neurons = static_cast<std::size_t>(config.layers.front().neurons);
    result.patterns = n_patterns;
    result.load = static_cast<double>(n_patterns) / static_cast<double>(result.neurons);
    result.epochs = config.memory.rule == memory_rule::hebbian ? 0 : epoch;
    const recall_summary recall = memory.recall(config.memory.flip_fraction);
    result.recalled_fraction = recall.recalled_fraction;
    result.mean_cosine = recall.mean_cosine;
    result.held = recall.recalled_fraction >= config.memory.success_fraction;
    if (result.held)
        for (double f : config.capacity.flip_fractions) {
            if (memory.recall(f).recalled_fraction < config.memory.success_fraction) break;
            result.flip_max = f;
        }
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
}

std::vector<std::uint64_t> parse_seed_list(const std::string& text) {
    std::vector<std::uint64_t> seeds;
    std::string item;
    std::istringstream in(text);
    auto parse = [&](const std::string& part) {
        std::size_t used = 0;
        unsigned long long value = 0;
        try {
            value = std::stoull(part, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used != part.size() || part.empty() || part[0] == '-')
            throw std::invalid_argument("--seeds: '" + part + "' is not a seed (a non-negative "
                                        "integer; lists like 1-10 or 1,3,5)");
        return static_cast<std::uint64_t>(value);
    };
    std::string all = text;
    for (char& ch : all)
        if (ch == ',') ch = ' ';
    std::istringstream words(all);
    while (words >> item) {
        const auto dash = item.find('-', 1);
        if (dash == std::string::npos) {
            seeds.push_back(parse(item));
            continue;
        }
        const std::uint64_t first = parse(item.substr(0, dash));
        const std::uint64_t last = parse(item.substr(dash + 1));
        if (last < first || last - first > 100000)
            throw std::invalid_argument("--seeds: the range '" + item + "' is empty or too long");
        // Counted, not compared: s <= last never fails for last = 2^64 - 1 (the loop once ran
        // until memory ran out).
        for (std::uint64_t k = 0; k <= last - first; ++k) seeds.push_back(first + k);
    }
    if (seeds.empty()) throw std::invalid_argument("--seeds: no seed given");
    return seeds;
}

namespace {

int sweep(const capacity_options& options, const distributed_context& context) {
    network_config config;
    std::string text;
    if (!load_configuration(context, program, options.config_file, options.overrides, config, text))
        return run_bad_input;
    if (!collectively(context, program, "configuration", [&] {
            if (config.task != task_kind::memory)
                throw std::invalid_argument(options.config_file.string() +
                                            ": the capacity sweep needs task = \"memory\"");
        }))
        return run_bad_input;
    const int threads = choose_threads(context);
    const fs::path output = config.output.directory;
    const auto n = static_cast<std::size_t>(config.layers.front().neurons);
    const std::vector<double> loads = capacity_loads(config.capacity, n);
    const std::vector<std::uint64_t> seeds =
        options.seeds.empty() ? std::vector<std::uint64_t>{config.training.seed} : options.seeds;
    const bool root = context.is_root();
    const bool bisect = config.capacity.mode == capacity_config::search::bisect;
    if (!collectively(context, program, "setup", [&] {
            if (loads.empty())
                throw std::invalid_argument("the [capacity] grid gives no load with at least one "
                                            "pattern for " + std::to_string(n) + " neurons");
            // Bad memory settings (too many ranks, say) fail here, before any long training,
            // and before config.toml is written: a sweep that fails at setup leaves the output
            // directory as it was.
            network_config probe = config;
            probe.memory.patterns = static_cast<int>(std::llround(loads.front() * static_cast<double>(n)));
            memory_task check(probe, context);
            if (root)
                prepare_output_directory(
                    output, {"capacity.csv", "capacity_summary.csv", "capacity.h5"}, text);
        }))
        return run_bad_input;
    if (root && !options.quiet) {
        fmt::print("{}: {} neurons, rule {}, {} over {} loads from {} to {}, {} seed{}, {} rank{} x "
                   "{} thread{}; output {}\n",
                   program, n, rule_name(config.memory.rule), bisect ? "bisection" : "sweep",
                   loads.size(), load_text(loads.front()), load_text(loads.back()), seeds.size(),
                   seeds.size() == 1 ? "" : "s", context.size(), context.size() == 1 ? "" : "s",
                   threads, threads == 1 ? "" : "s", output.string());
        std::fflush(stdout);
    }

    std::vector<load_result> rows;
    std::vector<seed_summary> summaries;
    try {
        for (const std::uint64_t seed : seeds) {
            const auto seed_start = std::chrono::steady_clock::now();
            network_config run = config;
            run.training.seed = seed;
            seed_summary summary{config.memory.rule, seed, n, 0.0, 0, 0.0};
            // The capacity is the load P / N actually stored, not the grid's nominal value.
            std::vector<double> held_load(loads.size(), 0.0);
            auto measure = [&](std::size_t index) {
                const auto p = static_cast<std::size_t>(
                    std::llround(loads[index] * static_cast<double>(n)));
                const load_result r = measure_load(run, p, context);
                rows.push_back(r);
                if (r.held) held_load[index] = r.load;
                ++summary.loads_tried;
                if (root) {
                    if (!options.quiet)
                        fmt::print("seed {} load {:.3f} (P = {}): recalled {:.1f}%, cosine {:.4f}, "
                                   "{} epochs, {:.2f} s: {}{}\n",
                                   seed, r.load, r.patterns, 100 * r.recalled_fraction,
                                   r.mean_cosine, r.epochs, r.seconds, r.held ? "holds" : "fails",
                                   r.held ? fmt::format(", flip_max {:.2f}", r.flip_max) : "");
                    std::fflush(stdout);
                    write_outputs(output, rows, summaries, text);
                }
                return r.held;
            };
            if (bisect) {
                // lo holds (or is -1), hi fails (or is past the grid).
                std::ptrdiff_t lo = -1, hi = static_cast<std::ptrdiff_t>(loads.size());
                while (hi - lo > 1) {
                    const std::ptrdiff_t mid = lo + (hi - lo) / 2;
                    if (measure(static_cast<std::size_t>(mid))) lo = mid;
                    else hi = mid;
                }
                if (lo >= 0) summary.capacity = held_load[static_cast<std::size_t>(lo)];
            } else {
                for (std::size_t i = 0; i < loads.size(); ++i) {
                    if (!measure(i)) break;
                    summary.capacity = held_load[i];
                }
            }
            summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                                            seed_start).count();
            summaries.push_back(summary);
            if (root) {
                write_outputs(output, rows, summaries, text);
                if (!options.quiet)
                    fmt::print("seed {}: capacity {} patterns per neuron ({} load{}, {:.1f} s){}\n",
                               seed, load_text(summary.capacity), summary.loads_tried,
                               summary.loads_tried == 1 ? "" : "s", summary.seconds,
                               summary.capacity == 0
                                   ? " - no load held: the capacity lies below capacity.start"
                                   : "");
                std::fflush(stdout);
            }
        }
    } catch (...) {
        context.abort(run_failed, "capacity sweep failed: " + describe_current_exception());
    }
    if (root) {
        std::vector<double> capacities;
        for (const auto& s : summaries) capacities.push_back(s.capacity);
        std::sort(capacities.begin(), capacities.end());
        const double median = capacities.size() % 2
                                  ? capacities[capacities.size() / 2]
                                  : 0.5 * (capacities[capacities.size() / 2 - 1] +
                                           capacities[capacities.size() / 2]);
        fmt::print("capacity ({} rule, N = {}, {} seed{}): median {}, min {}, max {}\n"
                   "results: {}/capacity.csv, capacity_summary.csv, capacity.h5\n",
                   rule_name(config.memory.rule), n, capacities.size(),
                   capacities.size() == 1 ? "" : "s", load_text(median),
                   load_text(capacities.front()), load_text(capacities.back()), output.string());
    }
    return run_succeeded;
}

}  // namespace

int run_capacity(const capacity_options& options, const distributed_context& context) {
    return guarded(context, program, [&] { return sweep(options, context); });
}

}  // namespace infomorph
