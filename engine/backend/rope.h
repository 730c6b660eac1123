#pragma once
// RopeConfig: rotary embedding parameters and the per-pair inverse frequencies, computed once at load.
// Two layouts of the rotated pairs:
//  - kNeox ("rotate_half", HF Llama/Qwen checkpoints): pair i is (x[i], x[i + d/2]).
//  - kInterleaved (GPT-J / original Meta layout): pair i is (x[2i], x[2i + 1]).
// GGUF llama checkpoints: llama.cpp's converter permutes the q/k projection rows of HF weights so that
// the HF rotate_half rope becomes the interleaved one; a model loaded from GGUF with arch "llama" uses
// kInterleaved (equivalently it could undo the permutation at load and use kNeox). GGUF qwen2/qwen3 weights
// are not permuted and llama.cpp runs them in NeoX mode, so they use kNeox, as do all safetensors models.
#include <cmath>
#include <cstdint>
#include <vector>

namespace edgeserve {

enum class RopeMode { kNeox, kInterleaved };

struct RopeScaling {  // rope_scaling with rope_type "llama3"; factor <= 0 means none
  double factor = 0.0;
  double low_freq_factor = 1.0;
  double high_freq_factor = 4.0;
  double original_max_position_embeddings = 8192.0;
};

struct RopeConfig {
  RopeMode mode = RopeMode::kNeox;
  int32_t head_dim = 0;          // rotates all head_dim dims (partial rotary is not used by our models)
  std::vector<float> inv_freq;   // [head_dim / 2] angle of pair i at position p = p * inv_freq[i]
};

// inv_freq[i] = theta^(-2i/d), then llama3 scaling as transformers' _compute_llama3_parameters:
// wavelen = 2*pi/f; wavelen > orig/low_ff: f / factor; wavelen < orig/high_ff: f; else
// smooth = (orig/wavelen - low_ff) / (high_ff - low_ff), f = (1 - smooth) * f / factor + smooth * f.
inline RopeConfig make_rope_config(RopeMode mode, int32_t head_dim, double theta,
                                   const RopeScaling& scaling = {}) {
  RopeConfig config;
  config.mode = mode;
  config.head_dim = head_dim;
  const int32_t half = head_dim / 2;
  config.inv_freq.resize(half);
  const double pi = 3.14159265358979323846;
  for (int32_t i = 0; i < half; ++i) {
    double freq = 1.0 / std::pow(theta, (2.0 * i) / head_dim);
    if (scaling.factor > 0.0) {
      const double low_freq_wavelen = scaling.original_max_position_embeddings / scaling.low_freq_factor;
      const double high_freq_wavelen = scaling.original_max_position_embeddings / scaling.high_freq_factor;
      const double wavelen = 2.0 * pi / freq;
      if (wavelen > low_freq_wavelen) {
        freq = freq / scaling.factor;
      } else if (wavelen >= high_freq_wavelen) {
        const double smooth = (scaling.original_max_position_embeddings / wavelen - scaling.low_freq_factor) /
                              (scaling.high_freq_factor - scaling.low_freq_factor);
        freq = (1.0 - smooth) * freq / scaling.factor + smooth * freq;
      }
    }
    config.inv_freq[i] = static_cast<float>(freq);
  }
  return config;
}

}  // namespace edgeserve
