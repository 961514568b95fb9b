#pragma once
// Wall-clock time spent in the named phases of training, accumulated per process, so that a run
// can report where its time goes (and min / mean / max over ranks).

#include <array>
#include <chrono>
#include <cstddef>
#include <string_view>

namespace infomorph {

enum class phase : std::size_t { data, forward, exchange, goal, update, evaluate, io, count };

constexpr std::array<std::string_view, static_cast<std::size_t>(phase::count)> phase_names{
    "data", "forward", "exchange", "pid_gradient", "update", "evaluate", "io"};

class phase_timer {
public:
    class scope {
    public:
        scope(phase_timer* timer, phase p)
            : timer_(timer), phase_(p), start_(std::chrono::steady_clock::now()) {}
        ~scope() {
            if (timer_) timer_->add(phase_, std::chrono::steady_clock::now() - start_);
        }
        scope(const scope&) = delete;
        scope& operator=(const scope&) = delete;

    private:
        phase_timer* timer_;
        phase phase_;
        std::chrono::steady_clock::time_point start_;
    };

    void add(phase p, std::chrono::steady_clock::duration d) {
        seconds_[static_cast<std::size_t>(p)] += std::chrono::duration<double>(d).count();
    }
    double seconds(phase p) const { return seconds_[static_cast<std::size_t>(p)]; }
    const std::array<double, static_cast<std::size_t>(phase::count)>& all() const { return seconds_; }
    void reset() { seconds_.fill(0.0); }

private:
    std::array<double, static_cast<std::size_t>(phase::count)> seconds_{};
};

// A scope that times nothing when timer is null.
inline phase_timer::scope timed(phase_timer* timer, phase p) { return {timer, p}; }

}  // namespace infomorph
