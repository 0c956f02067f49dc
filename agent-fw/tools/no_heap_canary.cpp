// A deliberately bad image for the no-heap check's own test: it calls malloc
// and operator new, so check_no_heap.py must reject it. Never flashed; built
// only for the test `no_heap_check_rejects_malloc`.
#include <cstdlib>
#include <new>

int main() {
  void* block = std::malloc(16);
  int* number = new (std::nothrow) int(7);
  const int status = block == nullptr || number == nullptr ? 1 : 0;
  delete number;
  std::free(block);
  return status;
}
