// EventLoop::add_reader / add_writer: Python's callback-style fd watching. Unlike a stream's
// IoWatch (edge-triggered, wakes tasks), these registrations are level-triggered: each loop
// iteration in which the fd is ready queues the callback, as Python's selector loop does.
#include <sys/epoll.h>

#include <cerrno>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "concur/asyncio/errors.hpp"
#include "concur/asyncio/event_loop.hpp"
#include "concur/detail/errno_text.hpp"
#include "concur/errors.hpp"

namespace concur::asyncio {

namespace detail {

// One registered callback. A queued run holds a reference, so remove_reader() inside a
// callback (or a replacement) only marks it removed.
struct FdCallback {
  std::function<void()> fn;
  bool removed = false;
};

struct FdCallbacks {
  std::shared_ptr<FdCallback> reader;
  std::shared_ptr<FdCallback> writer;
  bool queued_read = false;  // a run is in the ready queue: do not queue another
  bool queued_write = false;

  [[nodiscard]] std::uint32_t epoll_events() const noexcept {
    return (reader ? std::uint32_t{EPOLLIN} : 0U) | (writer ? std::uint32_t{EPOLLOUT} : 0U);
  }
};

namespace {

struct QueuedRun {
  std::shared_ptr<FdCallback> callback;
  FdCallbacks* entry;  // valid while callback is not removed (removal clears the flag first)
  bool write;
};

}  // namespace

void run_fd_callback(void* arg) noexcept {
  const std::unique_ptr<QueuedRun> run(static_cast<QueuedRun*>(arg));
  if (run->callback->removed) return;
  (run->write ? run->entry->queued_write : run->entry->queued_read) = false;
  try {
    run->callback->fn();  // `run` keeps it alive should it remove itself
  } catch (...) {
    report_callback_error(get_running_loop(), "fd callback");
  }
}

void FdCallbacksDelete::operator()(FdCallbacks* entry) const noexcept {
  delete entry;  // NOLINT(cppcoreguidelines-owning-memory)
}

void discard_fd_callback(void* arg) noexcept {
  delete static_cast<QueuedRun*>(arg);  // NOLINT(cppcoreguidelines-owning-memory)
}

}  // namespace detail

namespace {

// The entry's registration: its events, and its address tagged with bit 0 (see poll_io).
epoll_event event_of(detail::FdCallbacks& entry) noexcept {
  epoll_event ev{};
  ev.events = entry.epoll_events();
  ev.data.ptr = reinterpret_cast<void*>(reinterpret_cast<std::uintptr_t>(&entry) | 1U);  // NOLINT
  return ev;
}

}  // namespace

void EventLoop::add_reader(int fd, std::function<void()> fn) {
  set_fd_callback(fd, false, std::move(fn));
}

void EventLoop::add_writer(int fd, std::function<void()> fn) {
  set_fd_callback(fd, true, std::move(fn));
}

bool EventLoop::remove_reader(int fd) {
  return clear_fd_callback(fd, false);
}

bool EventLoop::remove_writer(int fd) {
  return clear_fd_callback(fd, true);
}

void EventLoop::set_fd_callback(int fd, bool write, std::function<void()> fn) {
  if (closed_) throw RuntimeError("Event loop is closed");
  if (fd < 0) throw ValueError("Invalid file descriptor: " + std::to_string(fd));
  if (!fn) throw ValueError("add_reader/add_writer needs a callback");
  auto callback = std::make_shared<detail::FdCallback>();
  callback->fn = std::move(fn);
  auto it = fd_callbacks_.find(fd);
  const bool is_new = it == fd_callbacks_.end();
  std::unique_ptr<detail::FdCallbacks, detail::FdCallbacksDelete> created;
  detail::FdCallbacks* entry = nullptr;
  if (is_new) {
    created.reset(new detail::FdCallbacks());  // NOLINT(cppcoreguidelines-owning-memory)
    entry = created.get();
  } else {
    entry = it->second.get();
  }
  std::shared_ptr<detail::FdCallback>& slot = write ? entry->writer : entry->reader;
  const std::shared_ptr<detail::FdCallback> previous = slot;
  slot = callback;
  epoll_event ev = event_of(*entry);
  int rc = epoll_ctl(epoll_fd_, is_new ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &ev);
  if (rc != 0 && !is_new && errno == ENOENT) {
    // The fd was closed while watched (epoll forgot it) and its number reused: start over.
    rc = epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
  }
  if (rc != 0) {
    const int err = errno;
    slot = previous;
    if (is_new && err == EEXIST) {
      throw RuntimeError("File descriptor " + std::to_string(fd) + " is used by a stream");
    }
    throw OSError(err, std::string(write ? "add_writer" : "add_reader") + "(" + std::to_string(fd) +
                           "): " + concur::detail::errno_text(err));
  }
  if (previous) {
    previous->removed = true;  // a queued run of the replaced callback does nothing
    (write ? entry->queued_write : entry->queued_read) = false;
  }
  if (is_new) fd_callbacks_.emplace(fd, std::move(created));
}

bool EventLoop::clear_fd_callback(int fd, bool write) {
  const auto it = fd_callbacks_.find(fd);
  if (it == fd_callbacks_.end()) return false;
  detail::FdCallbacks& entry = *it->second;
  std::shared_ptr<detail::FdCallback>& slot = write ? entry.writer : entry.reader;
  if (!slot) return false;
  slot->removed = true;
  slot.reset();
  (write ? entry.queued_write : entry.queued_read) = false;
  if (closed_) return true;
  if (entry.epoll_events() == 0) {
    // The fd may already be closed (EBADF) or reused: nothing to undo either way.
    (void)epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
    fd_callbacks_.erase(it);
  } else {
    epoll_event ev = event_of(entry);
    (void)epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev);
  }
  return true;
}

void EventLoop::fd_callbacks_ready(detail::FdCallbacks& entry, std::uint32_t events) {
  // As Python's selectors: an error or hang-up makes the fd both readable and writable.
  const bool readable = (events & ~std::uint32_t{EPOLLOUT}) != 0;
  const bool writable = (events & ~std::uint32_t{EPOLLIN}) != 0;
  auto queue = [&](const std::shared_ptr<detail::FdCallback>& cb, bool& queued, bool write) {
    if (!cb || queued) return;
    auto run = std::make_unique<detail::QueuedRun>(detail::QueuedRun{cb, &entry, write});
    ready_.push({&detail::run_fd_callback, run.get()});
    (void)run.release();
    queued = true;
  };
  if (readable) queue(entry.reader, entry.queued_read, false);
  if (writable) queue(entry.writer, entry.queued_write, true);
}

void EventLoop::drop_fd_callbacks() noexcept {
  for (auto& [fd, entry] : fd_callbacks_) {
    if (entry->reader) entry->reader->removed = true;
    if (entry->writer) entry->writer->removed = true;
  }
  fd_callbacks_.clear();  // the epoll descriptor goes next: no need to deregister
}

}  // namespace concur::asyncio
