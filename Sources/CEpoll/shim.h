// Linux's epoll, which Swift's Glibc module leaves out: the benchmark's echo agent waits on it.
#include <sys/epoll.h>
