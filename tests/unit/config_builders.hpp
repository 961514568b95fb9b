#pragma once
// Small builders of configuration values shared by the unit tests.

#include <infomorph/model/network_config.hpp>

#include <string>

namespace infomorph::testing {

inline binning_config fixed(int bins, double low, double high) {
    binning_config c;
    c.type = binning_config::kind::fixed;
    c.bins = bins;
    c.low = low;
    c.high = high;
    return c;
}

inline binning_config adaptive(int bins) {
    binning_config c;
    c.type = binning_config::kind::adaptive;
    c.bins = bins;
    return c;
}

inline input_config input(const std::string& source, binning_config binning) {
    input_config i;
    i.source = source;
    i.binning = binning;
    return i;
}

}  // namespace infomorph::testing
