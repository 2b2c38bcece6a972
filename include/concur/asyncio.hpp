// concur/asyncio.hpp - Python's asyncio in C++20 coroutines (namespace concur::asyncio).
//   #include <concur/asyncio.hpp>
//   namespace asyncio = concur::asyncio;
//   asyncio::Task<void> main_task() { co_await asyncio::sleep(1s); }
//   int main() { asyncio::run(main_task()); }
#pragma once

#include "concur/asyncio/barrier.hpp"
#include "concur/asyncio/bridges.hpp"
#include "concur/asyncio/condition.hpp"
#include "concur/asyncio/errors.hpp"
#include "concur/asyncio/event.hpp"
#include "concur/asyncio/event_loop.hpp"
#include "concur/asyncio/gather.hpp"
#include "concur/asyncio/lock.hpp"
#include "concur/asyncio/queues.hpp"
#include "concur/asyncio/semaphore.hpp"
#include "concur/asyncio/server.hpp"
#include "concur/asyncio/shield.hpp"
#include "concur/asyncio/sleep.hpp"
#include "concur/asyncio/streams.hpp"
#include "concur/asyncio/task.hpp"
#include "concur/asyncio/task_group.hpp"
#include "concur/asyncio/timeout.hpp"
#include "concur/asyncio/wait.hpp"
