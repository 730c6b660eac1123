#pragma once
// ES_CHECK: precondition / invariant check that stays on in release builds (error class 1 of ARCHITECTURE):
// prints file:line and the failed condition, then aborts. For O(1) shape checks at op entry, not per element.
#include <cstdio>
#include <cstdlib>

#define ES_CHECK(cond, msg)                                                                    \
  do {                                                                                         \
    if (!(cond)) {                                                                             \
      std::fprintf(stderr, "%s:%d: check failed: %s (%s)\n", __FILE__, __LINE__, #cond, msg); \
      std::abort();                                                                            \
    }                                                                                          \
  } while (0)
