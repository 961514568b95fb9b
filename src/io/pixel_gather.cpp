// Minibatch gathering of raw pixel bytes into the network's neuron-major float layout. This runs
// once per batch over every pixel of every sample (37.6 M bytes per MNIST training epoch), which
// for a small network such as the readout-only model is a third of the training time; hence the
// SIMD path. Both paths compute pixel_transform's (float(v) - offset) * scale, so their results
// are bit-identical.

#include <infomorph/io/dataset.hpp>

#include <algorithm>
#include <stdexcept>
#include <string>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace infomorph::io {
namespace {

constexpr std::size_t tile = 16;  // samples per tile, and pixels per transposed block

// Writes samples [k0, k0 + n) for pixels [f_begin, f_end), one pixel at a time: each output row
// receives n consecutive floats.
void gather_scalar(const std::uint8_t* const from[tile], std::size_t n, std::size_t f_begin,
                   std::size_t f_end, const pixel_transform& value, float* out, std::size_t batch,
                   std::size_t k0) {
    for (std::size_t f = f_begin; f < f_end; ++f) {
        float* to = out + f * batch + k0;
        for (std::size_t t = 0; t < n; ++t) to[t] = value(from[t][f]);
    }
}

#if defined(__AVX2__)
// 16 rows of 16 bytes transposed in registers: four rounds of interleaving row i with row i + 8
// (a perfect shuffle); afterwards r[p] holds byte p of every input row, in row order.
void transpose_16x16(__m128i r[tile]) {
    for (int round = 0; round < 4; ++round) {
        __m128i out[tile];
        for (std::size_t i = 0; i < tile / 2; ++i) {
            out[2 * i] = _mm_unpacklo_epi8(r[i], r[i + 8]);
            out[2 * i + 1] = _mm_unpackhi_epi8(r[i], r[i + 8]);
        }
        std::copy_n(out, tile, r);
    }
}

// Eight bytes to eight transformed floats, stored unaligned.
void store_transformed(__m128i bytes, __m256 offset, __m256 scale, float* to) {
    const __m256 v = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(bytes));
    _mm256_storeu_ps(to, _mm256_mul_ps(_mm256_sub_ps(v, offset), scale));
}

// A full tile of 16 samples: 16 pixels at a time are loaded (16 bytes per sample), transposed,
// converted and written as 16-float runs into 16 output rows. The samples are random rows of the
// data set, so the next tile's rows (next, n_next of them) are prefetched meanwhile: without it
// the loads wait on memory for most of the time.
void gather_tile_avx2(const std::uint8_t* const from[tile], const std::uint8_t* const next[tile],
                      std::size_t n_next, std::size_t n_features, const pixel_transform& value,
                      float* out, std::size_t batch, std::size_t k0) {
    const __m256 offset = _mm256_set1_ps(value.offset);
    const __m256 scale = _mm256_set1_ps(value.scale);
    std::size_t f0 = 0;
    for (; f0 + tile <= n_features; f0 += tile) {
        for (std::size_t t = 0; t < n_next; ++t)
            _mm_prefetch(reinterpret_cast<const char*>(next[t] + f0), _MM_HINT_T0);
        __m128i r[tile];
        for (std::size_t t = 0; t < tile; ++t)
            r[t] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(from[t] + f0));
        transpose_16x16(r);
        for (std::size_t p = 0; p < tile; ++p) {
            float* to = out + (f0 + p) * batch + k0;
            store_transformed(r[p], offset, scale, to);
            store_transformed(_mm_unpackhi_epi64(r[p], r[p]), offset, scale, to + 8);
        }
    }
    gather_scalar(from, tile, f0, n_features, value, out, batch, k0);
}
#endif

}  // namespace

void gather_pixels_transposed(std::span<const std::uint8_t> pixels, std::size_t n_features,
                              const pixel_transform& pixel_value,
                              std::span<const std::size_t> rows, std::span<float> out) {
    const std::size_t batch = rows.size();
    if (out.size() != batch * n_features)
        throw std::invalid_argument("gather_pixels_transposed: output has " +
                                    std::to_string(out.size()) + " values, expected " +
                                    std::to_string(batch * n_features));
    const std::size_t n_samples = n_features == 0 ? 0 : pixels.size() / n_features;
    for (std::size_t row : rows)
        if (row >= n_samples)
            throw std::out_of_range("gather_pixels_transposed: row " + std::to_string(row) +
                                    " of " + std::to_string(n_samples));
    // Sixteen samples at a time: each is read sequentially and each output row receives a
    // whole cache line (16 floats), so both sides stream through the cache.
    const auto n_tiles = static_cast<std::ptrdiff_t>((batch + tile - 1) / tile);
#pragma omp parallel for schedule(static)
    for (std::ptrdiff_t t0 = 0; t0 < n_tiles; ++t0) {
        const std::size_t k0 = static_cast<std::size_t>(t0) * tile;
        const std::size_t n = std::min(tile, batch - k0);
        const std::uint8_t* from[tile];
        for (std::size_t t = 0; t < n; ++t) from[t] = pixels.data() + rows[k0 + t] * n_features;
#if defined(__AVX2__)
        if (n == tile) {
            const std::size_t n_next = std::min(tile, batch - std::min(batch, k0 + tile));
            const std::uint8_t* next[tile];
            for (std::size_t t = 0; t < n_next; ++t)
                next[t] = pixels.data() + rows[k0 + tile + t] * n_features;
            gather_tile_avx2(from, next, n_next, n_features, pixel_value, out.data(), batch, k0);
            continue;
        }
#endif
        gather_scalar(from, n, 0, n_features, pixel_value, out.data(), batch, k0);
    }
}

}  // namespace infomorph::io
