// concur/multiprocessing.hpp - Python's multiprocessing: processes, Pipe, codec, shared memory.
//   #include <concur/multiprocessing.hpp>
//   namespace mp = concur::mp;  mp::Process p(work);  p.start();  p.join();
#pragma once

#include "concur/multiprocessing/barrier.hpp"
#include "concur/multiprocessing/codec.hpp"
#include "concur/multiprocessing/condition.hpp"
#include "concur/multiprocessing/connection.hpp"
#include "concur/multiprocessing/context.hpp"
#include "concur/multiprocessing/errors.hpp"
#include "concur/multiprocessing/event.hpp"
#include "concur/multiprocessing/lock.hpp"
#include "concur/multiprocessing/process.hpp"
#include "concur/multiprocessing/queue.hpp"
#include "concur/multiprocessing/semaphore.hpp"
#include "concur/multiprocessing/shared_memory.hpp"
#include "concur/multiprocessing/task.hpp"
#include "concur/multiprocessing/value.hpp"
