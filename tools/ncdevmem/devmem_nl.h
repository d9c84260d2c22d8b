/* SPDX-License-Identifier: GPL-2.0 */
/*
 * devmem_nl.h - control-plane helpers shared by ncdevmem and the devmem
 * selftests (selftests/devmem):
 *
 *   - error reporting (struct dm_err: which call failed, errno, extack),
 *   - generic netlink over libmnl with extended-ACK parsing,
 *   - the "netdev" family: bind-rx, bind-tx and queue-get,
 *   - the "ethtool" family: read/set tcp-data-split (header split),
 *   - udmabuf creation (a dma-buf backed by a sealed memfd),
 *   - dm_rx_setup(): everything an RX devmem program needs before it can
 *     listen (dma-buf, header split, binding), and its teardown.
 *
 * It also carries the devmem socket UAPI (SO_DEVMEM_*, SCM_DEVMEM_*,
 * MSG_SOCK_DEVMEM, struct dmabuf_cmsg, struct dmabuf_token) for headers
 * that lack it.  The numbers are mainline's (generic socket.h values).
 *
 * Conventions: functions return 0 (or a non-negative result) on success and
 * -errno on failure, and fill the caller's struct dm_err; they never print,
 * except dm_rx_teardown(), which warns on stderr about state it could not
 * restore.  Threads may use them at once, each with its own struct dm_nl
 * (their static buffers are per thread).
 */
#ifndef DEVMEM_NL_H
#define DEVMEM_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/netdev.h>

/* ---- devmem socket UAPI (mainline values) ------------------------------ */

#if defined(__hppa__) || defined(__sparc__)
#error "SO_DEVMEM_* use other numbers on this architecture; use kernel headers"
#endif

#ifndef SO_DEVMEM_LINEAR
#define SO_DEVMEM_LINEAR	78
#endif
#ifndef SCM_DEVMEM_LINEAR
#define SCM_DEVMEM_LINEAR	SO_DEVMEM_LINEAR
#endif
#ifndef SO_DEVMEM_DMABUF
#define SO_DEVMEM_DMABUF	79
#endif
#ifndef SCM_DEVMEM_DMABUF
#define SCM_DEVMEM_DMABUF	SO_DEVMEM_DMABUF
#endif
#ifndef SO_DEVMEM_DONTNEED
#define SO_DEVMEM_DONTNEED	80
#endif
/* Kernel-internal in mainline (include/linux/socket.h): never in UAPI. */
#ifndef MSG_SOCK_DEVMEM
#define MSG_SOCK_DEVMEM		0x2000000
#endif

#if SO_DEVMEM_LINEAR != 78 || SO_DEVMEM_DMABUF != 79 || SO_DEVMEM_DONTNEED != 80
#error "installed headers disagree with mainline's SO_DEVMEM_* numbers"
#endif

/*
 * struct dmabuf_cmsg / struct dmabuf_token live in the UAPI <linux/uio.h>,
 * which cannot be included together with glibc's <sys/socket.h> (both
 * define struct iovec).  So they are always defined here, with the
 * mainline layout, and checked below.
 */
#ifndef DM_HAVE_STRUCT_DMABUF_CMSG
struct dmabuf_cmsg {
	uint64_t frag_offset;	/* offset of the frag inside the dma-buf */
	uint32_t frag_size;	/* bytes in the frag */
	uint32_t frag_token;	/* token for SO_DEVMEM_DONTNEED */
	uint32_t dmabuf_id;	/* binding the frag landed in */
	uint32_t flags;		/* reserved, 0 */
};

struct dmabuf_token {
	uint32_t token_start;
	uint32_t token_count;
};
#endif

_Static_assert(sizeof(struct dmabuf_cmsg) == 24, "struct dmabuf_cmsg is 24 bytes");
_Static_assert(offsetof(struct dmabuf_cmsg, dmabuf_id) == 16, "dmabuf_cmsg layout");
_Static_assert(sizeof(struct dmabuf_token) == 8, "struct dmabuf_token is 8 bytes");

/* Limits of SO_DEVMEM_DONTNEED (mainline): per call. */
#define DM_DONTNEED_MAX_TOKENS	128
#define DM_DONTNEED_MAX_FRAGS	1024

/* ---- errors ------------------------------------------------------------ */

struct dm_err {
	int code;		/* positive errno; 0 = no error */
	char what[192];		/* the operation that failed */
	char extack[256];	/* kernel extack message, "" if none */
	int miss_type;		/* extack: missing attribute type, or -1 */
	int bad_attr_off;	/* extack: offset of the offending attribute, or -1 */
};

/* Clear @e, then record @code (positive errno) and a description. */
void dm_err_set(struct dm_err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Same, returning -code: "return dm_fail(e, errno, "open %s", path);". */
int dm_fail(struct dm_err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "what: strerror(code) (kernel: extack)"; static buffer. */
const char *dm_strerr(const struct dm_err *e);
/* The kernel said why (message, missing attribute or bad attribute). */
bool dm_err_has_extack(const struct dm_err *e);
/* errno name: "EINVAL", ... (or the number) ; static buffer for unknowns. */
const char *dm_errno_name(int code);

/* ---- generic netlink --------------------------------------------------- */

struct dm_nl {
	struct mnl_socket *sock;
	unsigned int portid;
	unsigned int seq;
	uint16_t family_id;
	uint8_t version;
	char family[32];
};

#define DM_NL_BUFSZ	32768

/* Open a generic netlink socket, enable extack and resolve @family. */
int dm_nl_open(struct dm_nl *nl, const char *family, uint8_t version,
	       struct dm_err *e);
/* Close it (for the netdev family this releases the socket's bindings). */
void dm_nl_close(struct dm_nl *nl);
bool dm_nl_is_open(const struct dm_nl *nl);

/* Start a request for @cmd of nl's family in @buf (DM_NL_BUFSZ bytes). */
struct nlmsghdr *dm_nl_req(struct dm_nl *nl, void *buf, uint8_t cmd,
			   uint16_t flags);
/*
 * Send @req (NLM_F_ACK is added) and read the answer up to the ACK or
 * NLMSG_DONE, calling @cb (may be NULL) for every data message.  On error
 * @e gets the errno and any extack, described as @what.
 */
int dm_nl_talk(struct dm_nl *nl, struct nlmsghdr *req, mnl_cb_t cb,
	       void *data, const char *what, struct dm_err *e);

/* ---- netdev family ----------------------------------------------------- */

#define DM_QUEUE_TYPE_OMIT	(-1)	/* leave NETDEV_A_QUEUE_TYPE out */

struct dm_queue_id {
	uint32_t id;
	int32_t type;		/* NETDEV_QUEUE_TYPE_* or DM_QUEUE_TYPE_OMIT */
};

/* Which attributes a bind-rx request carries (to build broken requests). */
#define DM_BIND_IFINDEX		0x1
#define DM_BIND_FD		0x2
#define DM_BIND_QUEUES		0x4
#define DM_BIND_ALL		(DM_BIND_IFINDEX | DM_BIND_FD | DM_BIND_QUEUES)
#define DM_BIND_MAX_QUEUES	256

struct dm_bind_rx_req {
	unsigned int attrs;	/* DM_BIND_* */
	uint32_t ifindex;
	uint32_t fd;		/* the dma-buf fd, sent as u32 */
	const struct dm_queue_id *queues;
	unsigned int nqueues;
};

/* bind-rx; on success *@id is the binding id from the reply. */
int dm_bind_rx_raw(struct dm_nl *nl, const struct dm_bind_rx_req *req,
		   uint32_t *id, struct dm_err *e);
/* bind-rx of RX queues first..first+count-1 of @ifindex to @dmabuf_fd. */
int dm_bind_rx(struct dm_nl *nl, int ifindex, int dmabuf_fd,
	       unsigned int first, unsigned int count, uint32_t *id,
	       struct dm_err *e);

/*
 * bind-tx (NETDEV_CMD_BIND_TX): bind @dmabuf_fd for transmit on @ifindex;
 * *@id is the binding id for the SCM_DEVMEM_DMABUF cmsg of sendmsg().  The
 * binding lives as long as @nl stays open.  Mainline (6.16+) errors:
 * ENODEV (no such device), EOPNOTSUPP (no netmem TX), EBADF (fd).
 */
int dm_bind_tx(struct dm_nl *nl, int ifindex, int dmabuf_fd, uint32_t *id,
	       struct dm_err *e);

struct dm_queue_info {
	bool has_dmabuf;
	uint32_t dmabuf;	/* NETDEV_A_QUEUE_DMABUF: binding id */
	bool has_napi_id;
	uint32_t napi_id;
};

/* queue-get (do) for one queue. */
int dm_queue_get(struct dm_nl *nl, int ifindex, uint32_t qid, uint32_t type,
		 struct dm_queue_info *qi, struct dm_err *e);

/* ---- ethtool: header split --------------------------------------------- */

/* *@mode = ETHTOOL_TCP_DATA_SPLIT_* (UNKNOWN when the kernel omits it). */
int dm_hds_get(int ifindex, int *mode, struct dm_err *e);
int dm_hds_set(int ifindex, int mode, struct dm_err *e);
const char *dm_hds_name(int mode);

/* ---- dma-buf ----------------------------------------------------------- */

struct dm_udmabuf {
	int fd;			/* the dma-buf; -1 if none */
	size_t size;
	uint8_t *map;		/* read-only mapping, NULL if not mapped */
};

#define DM_DEFAULT_DMABUF_SIZE	(64UL << 20)	/* udmabuf's size_limit_mb */

/* udmabuf of @size bytes (a page multiple), mmapped read-only if @map. */
int dm_udmabuf_create(struct dm_udmabuf *u, size_t size, bool map,
		      struct dm_err *e);
void dm_udmabuf_destroy(struct dm_udmabuf *u);
/* DMA_BUF_IOCTL_SYNC START|READ (@start) or END|READ around CPU reads. */
int dm_dmabuf_sync_read(int fd, bool start, struct dm_err *e);
/* Same with DMA_BUF_SYNC_WRITE, around CPU writes. */
int dm_dmabuf_sync_write(int fd, bool start, struct dm_err *e);

/* ---- RX setup ---------------------------------------------------------- */

struct dm_rx_setup {
	/* filled in by the caller */
	const char *ifname;
	unsigned int first_queue;
	unsigned int num_queues;
	size_t dmabuf_size;
	bool map;		/* mmap the dma-buf (needed to validate) */
	bool skip_nic_config;	/* leave tcp-data-split alone */
	/* state, owned by dm_rx_setup()/dm_rx_teardown() */
	int ifindex;
	struct dm_udmabuf ubuf;
	struct dm_nl netdev;	/* owns the binding: stays open */
	bool hds_changed;
	int hds_old;
	uint32_t binding_id;
};

/*
 * Resolve the interface, create the dma-buf, make sure header split is
 * enabled (set it over ethtool netlink; if the kernel cannot set it, it
 * must already be enabled), and bind the dma-buf to the RX queues.  On
 * failure everything done so far is undone.
 */
int dm_rx_setup(struct dm_rx_setup *s, struct dm_err *e);
/* Unbind (close the netlink socket), restore header split, free the buffer. */
void dm_rx_teardown(struct dm_rx_setup *s);

/*
 * Make header split enabled on @ifindex; @changed and @old tell
 * dm_rx_teardown() what to restore.
 */
int dm_hds_enable(int ifindex, bool *changed, int *old, struct dm_err *e);

/* Parse "64M", "4096", "1G", "512k" into bytes. */
int dm_parse_size(const char *s, size_t *out);
/* Parse an unsigned decimal in [min, max]. */
int dm_parse_uint(const char *s, unsigned long min, unsigned long max,
		  unsigned long *out);

#endif /* DEVMEM_NL_H */
