// templates - dies deep in template code, for the terminal's short names:
// a std::map whose comparator reads through a null pointer, reached
// through a std::function holding a lambda. Built -O0, so every template
// function (std::_Rb_tree<...>::_M_lower_bound, std::_Function_handler<...>,
// std::__invoke_impl<...>) has a frame of its own.
//
// Oracle "oracle.txt": pid, "tid T main", "fault 0x0 11 1", end.
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <vector>

struct Key {
	const int *weight;
	std::string name;
};

struct ByWeight {
	bool operator()(const Key &a, const Key &b) const
	{
		return *a.weight < *b.weight; // faults: the key looked up has no weight
	}
};

typedef std::map<Key, std::vector<std::string>, ByWeight> Table;

int main(int argc, char **argv)
{
	static const int one = 1, two = 2;
	Table t;
	t[Key{&one, "one"}].push_back("a");
	t[Key{&two, "two"}].push_back("b");
	std::function<size_t(const Table &, const Key &)> look =
		[](const Table &tab, const Key &k) { return tab.count(k); };
	Key bad{argc > 5 ? &one : nullptr, "bad"};
	std::string out = "pid " + std::to_string((long)getpid()) + "\n";
	out += "tid " + std::to_string((long)syscall(SYS_gettid)) + " main\n";
	out += "fault 0x0 11 1\nend\n";
	int fd = open("oracle.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, out.data(), out.size()) != (ssize_t)out.size())
		return 1;
	close(fd);
	std::printf("%zu\n", look(t, bad));
	return 0;
}
