// concur/queue.hpp - Python's queue module in C++20 (namespace concur::queue).
//   #include <concur/queue.hpp>
//   concur::queue::Queue<std::string> q(10);  q.put("job");  auto job = q.get();
#pragma once

#include "concur/queue/errors.hpp"
#include "concur/queue/lifo_queue.hpp"
#include "concur/queue/priority_queue.hpp"
#include "concur/queue/queue.hpp"
#include "concur/queue/simple_queue.hpp"
