/* Thread-local variables of the executable: each of 4 threads sets its
 * own values, then main crashes (SIGSEGV) while they wait. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

__thread int tv = 7;
__thread long tl;
static __thread char tbuf[24];
static pthread_barrier_t ready;
int *volatile nowhere;

static void *worker(void *arg)
{
	long i = (long)arg;
	tv = 100 + (int)i;
	tl = -1000 * i;
	snprintf(tbuf, sizeof(tbuf), "thread %ld", i);
	pthread_barrier_wait(&ready);
	pause();
	return NULL;
}

int main(void)
{
	pthread_t t[4];
	FILE *o = fopen("oracle.txt", "w");
	pthread_barrier_init(&ready, NULL, 5);
	for (long i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, worker, (void *)(i + 1));
	pthread_barrier_wait(&ready);
	tv = 42;
	snprintf(tbuf, sizeof(tbuf), "main");
	if (o) {
		fprintf(o, "end\n");
		fclose(o);
	}
	*nowhere = tv;
	return 0;
}
