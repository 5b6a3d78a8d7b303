// MpscQueue<T>: an unbounded lock-free multi-producer single-consumer queue (Vyukov's
// intrusive design). Any thread may Push; only the owner thread may TryPop / Empty.
// Used as the cross-thread task queue of a Proactor.
//
// Invariant: head_ points at a stub/consumed node; the items are head_->next ... tail_.
// A Push that has swapped tail_ but not yet linked `next` makes the queue look empty to the
// consumer for a moment; producers therefore signal the consumer only after linking.
#pragma once

#include <atomic>
#include <optional>
#include <utility>

namespace lw::io {

template <typename T>
class MpscQueue {
 public:
  MpscQueue() : head_(new Node), tail_(head_) {}
  ~MpscQueue() {
    while (TryPop()) {
    }
    delete head_;
  }
  MpscQueue(const MpscQueue&) = delete;
  MpscQueue& operator=(const MpscQueue&) = delete;

  // Any thread.
  void Push(T value) {
    Node* node = new Node;
    node->value.emplace(std::move(value));
    Node* prev = tail_.exchange(node, std::memory_order_acq_rel);
    prev->next.store(node, std::memory_order_release);
  }

  // Owner thread only.
  std::optional<T> TryPop() {
    Node* next = head_->next.load(std::memory_order_acquire);
    if (next == nullptr) return std::nullopt;
    std::optional<T> out(std::move(*next->value));
    next->value.reset();
    delete head_;
    head_ = next;
    return out;
  }

  // Owner thread only. May report empty while a Push is half done (see above).
  bool Empty() const { return head_->next.load(std::memory_order_acquire) == nullptr; }

 private:
  struct Node {
    std::atomic<Node*> next{nullptr};
    std::optional<T> value;
  };
  Node* head_;                           // consumer side
  alignas(64) std::atomic<Node*> tail_;  // producer side
};

}  // namespace lw::io
