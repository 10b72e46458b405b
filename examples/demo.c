/* The program `make demo` crashes: two worker threads wait on a condition
 * variable while main walks a small linked list and dereferences a NULL
 * node three calls deep. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

struct node {
	int value;
	struct node *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;

static void *worker(void *arg)
{
	pthread_mutex_lock(&lock);
	for (;;)
		pthread_cond_wait(&never, &lock);
	return arg;
}

__attribute__((noinline)) static int sum_list(const struct node *n, int count)
{
	int total = 0;
	for (int i = 0; i < count; i++, n = n->next)
		total += n->value; /* the list is one node shorter than count */
	return total;
}

__attribute__((noinline)) static int report(const struct node *head)
{
	return printf("total %d\n", sum_list(head, 4));
}

int main(void)
{
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	usleep(100000);
	struct node c = { 3, NULL }, b = { 2, &c }, a = { 1, &b };
	return report(&a) < 0;
}
