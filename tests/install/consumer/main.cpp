#include <concur/concur.hpp>
#include <cstdio>

int main() {
  concur::queue::Queue<int> q(8);
  concur::threading::Thread producer([&] {
    for (int i = 1; i <= 100; ++i) q.put(i);
  });
  producer.start();
  int sum = 0;
  for (int i = 0; i < 100; ++i) sum += q.get();
  producer.join();
  std::printf("consumer ok: %d\n", sum);
  return sum == 5050 ? 0 : 1;
}
