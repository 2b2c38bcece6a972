// concur/futures.hpp - Python's concurrent.futures in C++20 (namespace concur::futures).
//   #include <concur/futures.hpp>
//   concur::futures::ThreadPoolExecutor pool(4);
//   auto f = pool.submit(download, url);   f.add_done_callback(save);
#pragma once

#include "concur/futures/errors.hpp"
#include "concur/futures/executor.hpp"
#include "concur/futures/future.hpp"
#include "concur/futures/process_pool_executor.hpp"
#include "concur/futures/thread_pool_executor.hpp"
#include "concur/futures/wait.hpp"
