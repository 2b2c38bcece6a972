// concur/concur.hpp - every core module of concur.
//   #include <concur/concur.hpp>
#pragma once

#include "concur/errors.hpp"
#include "concur/futures.hpp"
#include "concur/multiprocessing.hpp"
#include "concur/queue.hpp"
#include "concur/threading.hpp"
#include "concur/timeout.hpp"
