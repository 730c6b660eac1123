// GraphOpLog (engine/backend/cuda/graph_op_log.h): the host bookkeeping of a step graph, against hand-computed
// arena layouts and the replay rules its header states. Runs in every build (no device needed).
#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <vector>

#include "engine/backend/cuda/graph_op_log.h"

namespace edgeserve::cuda {
namespace {

// One decode step as the decoder issues it: per layer rope (positions, inv_freq), store_kv (slots),
// attention (query_start, context_lens, block_tables) and a plain op without metadata.
struct FakeStep {
  std::vector<int32_t> positions = {5, 9, 0, 0};
  std::vector<float> inv_freq = {1.0f, 0.5f};
  std::vector<int64_t> slots = {21, 40, -1, -1};
  std::vector<int32_t> query_start = {0, 1, 2, 3, 4};
  std::vector<int32_t> context_lens = {6, 10, 1, 1};
  std::vector<int32_t> block_tables = std::vector<int32_t>(16, 0);

  std::array<SpanRef, 2> rope() const { return {{{positions.data(), 16}, {inv_freq.data(), 8}}}; }
  std::array<SpanRef, 1> store() const { return {{{slots.data(), 32}}}; }
  std::array<SpanRef, 3> attention() const {
    return {{{query_start.data(), 20}, {context_lens.data(), 16}, {block_tables.data(), 64}}};
  }
};
// Packed sizes as MetadataStaging packs them (16-byte aligned spans): rope 16 + 8 = 24, store 32,
// attention 20 -> 32 + 16 = 48, + 64 = 112.
constexpr size_t kRopeBytes = 24, kStoreBytes = 32, kAttentionBytes = 112;

void record_layers(GraphOpLog& log, const FakeStep& step, int num_layers, std::vector<GraphOpLog::Slot>& slots) {
  for (int layer = 0; layer < num_layers; ++layer) {
    slots.push_back(log.record(OpSignature(1).add(uint64_t(layer)).value(), {}, 0));
    slots.push_back(log.record(OpSignature(5).add(uint64_t(layer)).value(), step.rope(), kRopeBytes));
    slots.push_back(log.record(OpSignature(6).add(uint64_t(layer)).value(), step.store(), kStoreBytes));
    slots.push_back(log.record(OpSignature(7).add(uint64_t(layer)).value(), step.attention(), kAttentionBytes));
  }
}

bool replay_layers(GraphOpLog& log, const FakeStep& step, int num_layers, std::vector<GraphOpLog::Slot>& slots) {
  log.begin_replay();
  for (int layer = 0; layer < num_layers; ++layer) {
    const std::optional<GraphOpLog::Slot> a = log.replay(OpSignature(1).add(uint64_t(layer)).value(), {}, 0);
    const std::optional<GraphOpLog::Slot> b =
        log.replay(OpSignature(5).add(uint64_t(layer)).value(), step.rope(), kRopeBytes);
    const std::optional<GraphOpLog::Slot> c =
        log.replay(OpSignature(6).add(uint64_t(layer)).value(), step.store(), kStoreBytes);
    const std::optional<GraphOpLog::Slot> d =
        log.replay(OpSignature(7).add(uint64_t(layer)).value(), step.attention(), kAttentionBytes);
    if (!a || !b || !c || !d) return false;
    slots.insert(slots.end(), {*a, *b, *c, *d});
  }
  return true;
}

TEST_CASE("GraphOpLog gives each distinct metadata one 16-byte aligned slot, shared by later layers", "[cuda_host][graph]") {
  FakeStep step;
  GraphOpLog log;
  std::vector<GraphOpLog::Slot> slots;
  record_layers(log, step, 3, slots);
  REQUIRE(log.num_ops() == 12);
  // Layer 0 places rope at 0 (24 -> 32 bytes), store at 32 (32), attention at 64 (112): 176 bytes in all.
  CHECK(log.arena_bytes() == 176);
  CHECK_FALSE(slots[0].write);  // no metadata
  CHECK(slots[1].offset == 0);
  CHECK(slots[1].write);
  CHECK(slots[2].offset == 32);
  CHECK(slots[2].write);
  CHECK(slots[3].offset == 64);
  CHECK(slots[3].write);
  for (int layer = 1; layer < 3; ++layer) {  // later layers read the same host memory: the same slots, no writes
    CHECK(slots[4 * layer + 1].offset == 0);
    CHECK(slots[4 * layer + 2].offset == 32);
    CHECK(slots[4 * layer + 3].offset == 64);
    CHECK_FALSE(slots[4 * layer + 1].write);
    CHECK_FALSE(slots[4 * layer + 3].write);
  }
}

TEST_CASE("GraphOpLog replays a step with new values at the same slots", "[cuda_host][graph]") {
  FakeStep step;
  GraphOpLog log;
  std::vector<GraphOpLog::Slot> recorded, replayed;
  record_layers(log, step, 2, recorded);
  step.positions = {6, 10, 0, 0};  // the next decode step: values change, memory and sizes do not
  step.context_lens = {7, 11, 1, 1};
  REQUIRE(replay_layers(log, step, 2, replayed));
  CHECK(log.replay_complete());
  REQUIRE(replayed.size() == recorded.size());
  for (size_t i = 0; i < recorded.size(); ++i) {
    CHECK(replayed[i].offset == recorded[i].offset);
    CHECK(replayed[i].write == recorded[i].write);
  }
}

TEST_CASE("GraphOpLog refuses a replay that differs from the recording", "[cuda_host][graph]") {
  FakeStep step;
  GraphOpLog log;
  std::vector<GraphOpLog::Slot> slots;
  record_layers(log, step, 2, slots);

  SECTION("another signature (a tensor or plan changed)") {
    log.begin_replay();
    CHECK(log.replay(OpSignature(1).add(uint64_t(0)).value(), {}, 0));
    CHECK_FALSE(log.replay(OpSignature(5).add(uint64_t(99)).value(), step.rope(), kRopeBytes));
  }
  SECTION("another metadata size") {
    log.begin_replay();
    CHECK(log.replay(OpSignature(1).add(uint64_t(0)).value(), {}, 0));
    CHECK_FALSE(log.replay(OpSignature(5).add(uint64_t(0)).value(), step.rope(), kRopeBytes + 16));
  }
  SECTION("a shared slot whose op now reads other memory") {
    // Layer 1's attention shared layer 0's slot because it read the same arrays; if it reads a copy now,
    // the slot would hold layer 0's bytes for it: refused.
    const FakeStep other;  // same sizes, other addresses
    log.begin_replay();
    for (int layer = 0; layer < 2; ++layer) {
      REQUIRE(log.replay(OpSignature(1).add(uint64_t(layer)).value(), {}, 0));
      REQUIRE(log.replay(OpSignature(5).add(uint64_t(layer)).value(), step.rope(), kRopeBytes));
      REQUIRE(log.replay(OpSignature(6).add(uint64_t(layer)).value(), step.store(), kStoreBytes));
      const FakeStep& source = layer == 0 ? step : other;
      const bool accepted = log.replay(OpSignature(7).add(uint64_t(layer)).value(), source.attention(),
                                       kAttentionBytes).has_value();
      CHECK(accepted == (layer == 0));
    }
  }
  SECTION("more ops than recorded, or fewer") {
    std::vector<GraphOpLog::Slot> replayed;
    REQUIRE(replay_layers(log, step, 2, replayed));
    CHECK_FALSE(log.replay(OpSignature(1).value(), {}, 0));
    log.begin_replay();
    REQUIRE(log.replay(OpSignature(1).add(uint64_t(0)).value(), {}, 0));
    CHECK_FALSE(log.replay_complete());
  }
}

TEST_CASE("GraphOpLog refuses spans whose sizes change while their packed total does not", "[cuda_host][graph]") {
  // The captured kernels read each span at the offset it had when captured. As MetadataStaging packs them
  // (16-byte aligned), spans of 4 + 20 bytes lie at 0 and 16 (36 bytes) and spans of 20 + 4 bytes at 0 and 32
  // (36 bytes too): same total, other layout, so the replay must be refused.
  const std::vector<uint8_t> first(20), second(20);
  const std::array<SpanRef, 2> recorded = {{{first.data(), 4}, {second.data(), 20}}};
  const std::array<SpanRef, 2> resized = {{{first.data(), 20}, {second.data(), 4}}};
  GraphOpLog log;
  log.record(OpSignature(5).value(), recorded, 36);
  log.begin_replay();
  CHECK_FALSE(log.replay(OpSignature(5).value(), resized, 36));
  log.begin_replay();
  CHECK(log.replay(OpSignature(5).value(), recorded, 36));
  CHECK(log.replay_complete());
}

TEST_CASE("GraphOpLog: an owner op that moves keeps its own slot, and clear() forgets the recording", "[cuda_host][graph]") {
  FakeStep step;
  GraphOpLog log;
  std::vector<GraphOpLog::Slot> slots;
  record_layers(log, step, 1, slots);
  const FakeStep moved;  // an op that owns its slot may read other memory: it writes its slot anyway
  log.begin_replay();
  REQUIRE(log.replay(OpSignature(1).add(uint64_t(0)).value(), {}, 0));
  const std::optional<GraphOpLog::Slot> rope = log.replay(OpSignature(5).add(uint64_t(0)).value(), moved.rope(), kRopeBytes);
  REQUIRE(rope);
  CHECK(rope->write);
  CHECK(rope->offset == 0);
  log.clear();
  CHECK(log.num_ops() == 0);
  CHECK(log.arena_bytes() == 0);
  log.begin_replay();
  CHECK(log.replay_complete());
  CHECK_FALSE(log.replay(OpSignature(1).value(), {}, 0));
}

TEST_CASE("OpSignature separates values, pointers, doubles and tensor shapes", "[cuda_host][graph]") {
  CHECK(OpSignature(1).add(uint64_t(2)).value() != OpSignature(1).add(uint64_t(3)).value());
  CHECK(OpSignature(1).value() != OpSignature(2).value());
  CHECK(OpSignature(1).add(1.0).value() != OpSignature(1).add(1.0000001).value());
  DeviceTensor a;
  a.ndim = 2;
  a.shape = {4, 8, 0, 0};
  DeviceTensor b = a;
  b.shape[0] = 5;
  CHECK(OpSignature(7).add(a).value() != OpSignature(7).add(b).value());
  CHECK(OpSignature(7).add(a).value() == OpSignature(7).add(DeviceTensor(a)).value());
}

}  // namespace
}  // namespace edgeserve::cuda
