// Per-thread, grow-only buffers for the CPU kernels' temporaries: reused call after call, so a
// steady state allocates nothing and touches no fresh page (a fresh 1024x1024 buffer costs
// thousands of page faults). One set per calling thread, so concurrent callers never share.
#pragma once
#include <cstddef>

namespace poce {

enum ScratchSlot { kScratchZbuf, kScratchTriId, kScratchBary, kScratchDepth, kScratchCov, kScratchWork, kScratchRows,
                   kScratchBins, kScratchOrder, kScratchFill, kScratchPrefix, kScratchTested,
                   kScratchFoldLargest, kScratchFoldListed, kScratchFoldEnds, kScratchFoldOver,
                   kScratchFoldOut,
                   kScratchSlots };

void* scratch_bytes(int slot, size_t bytes);

template <typename T>
T* scratch(int slot, size_t n) { return static_cast<T*>(scratch_bytes(slot, n * sizeof(T))); }

}  // namespace poce
