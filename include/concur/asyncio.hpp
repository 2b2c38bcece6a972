// concur/asyncio.hpp - Python's asyncio in C++20 coroutines (namespace concur::asyncio).
//   #include <concur/asyncio.hpp>
//   namespace asyncio = concur::asyncio;
//   asyncio::Task<void> main_task() { co_await asyncio::sleep(1s); }
//   int main() { asyncio::run(main_task()); }
#pragma once

#include "concur/asyncio/errors.hpp"
#include "concur/asyncio/event_loop.hpp"
#include "concur/asyncio/sleep.hpp"
#include "concur/asyncio/task.hpp"
