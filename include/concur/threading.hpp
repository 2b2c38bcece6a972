// concur/threading.hpp - Python's threading module in C++20 (namespace concur::threading).
//   #include <concur/threading.hpp>
//   namespace th = concur::threading;
//   th::Lock lock; th::Thread t([&] { std::lock_guard g(lock); /* ... */ }); t.start(); t.join();
#pragma once

#include "concur/threading/barrier.hpp"
#include "concur/threading/condition.hpp"
#include "concur/threading/event.hpp"
#include "concur/threading/local.hpp"
#include "concur/threading/lock.hpp"
#include "concur/threading/rlock.hpp"
#include "concur/threading/semaphore.hpp"
#include "concur/threading/thread.hpp"
#include "concur/threading/timer.hpp"
