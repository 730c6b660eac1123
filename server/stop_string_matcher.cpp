#include "server/stop_string_matcher.h"

#include <algorithm>

namespace edgeserve {

StopStringMatcher::StopStringMatcher(std::vector<std::string> stop_strings) {
  for (auto& s : stop_strings)
    if (!s.empty()) stops_.push_back(std::move(s));
  for (const auto& s : stops_) max_stop_len_ = std::max(max_stop_len_, s.size());
}

std::string StopStringMatcher::add(std::string_view text) {
  if (stopped_) return {};
  if (stops_.empty()) return std::string(text);
  // A match can only lie within pending_ + text: released text never holds the start of a stop string.
  const size_t search_from = pending_.size() >= max_stop_len_ ? pending_.size() - max_stop_len_ + 1 : 0;
  pending_.append(text);
  size_t first = std::string::npos;
  for (const auto& s : stops_) first = std::min(first, pending_.find(s, search_from));
  if (first != std::string::npos) {
    stopped_ = true;
    std::string out = pending_.substr(0, first);
    pending_.clear();
    return out;
  }
  // Hold back the longest suffix that is a proper prefix of some stop string.
  size_t hold = 0;
  for (const auto& s : stops_) {
    for (size_t k = std::min(s.size() - 1, pending_.size()); k > hold; --k) {
      if (pending_.compare(pending_.size() - k, k, s, 0, k) == 0) {
        hold = k;
        break;
      }
    }
  }
  std::string out = pending_.substr(0, pending_.size() - hold);
  pending_.erase(0, pending_.size() - hold);
  return out;
}

std::string StopStringMatcher::flush() {
  if (stopped_) return {};
  std::string out;
  out.swap(pending_);
  return out;
}

}  // namespace edgeserve
