// SPDX-License-Identifier: GPL-2.0
/*
 * devmem_nl.c - control-plane helpers for devmem TCP tools: generic netlink
 * (netdev bind-rx / queue-get, ethtool rings), udmabuf, RX setup.
 * See devmem_nl.h for the conventions.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/dma-buf.h>
#include <linux/ethtool_netlink.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/udmabuf.h>

#include "devmem_nl.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK		11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK		10
#endif

/* ---- errors ------------------------------------------------------------ */

static void dm_err_vset(struct dm_err *e, int code, const char *fmt,
			va_list ap)
{
	if (!e)
		return;
	memset(e, 0, sizeof(*e));
	e->miss_type = -1;
	e->bad_attr_off = -1;
	e->code = code;
	vsnprintf(e->what, sizeof(e->what), fmt, ap);
}

void dm_err_set(struct dm_err *e, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	dm_err_vset(e, code, fmt, ap);
	va_end(ap);
}

int dm_fail(struct dm_err *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (code <= 0)
		code = EIO;
	va_start(ap, fmt);
	dm_err_vset(e, code, fmt, ap);
	va_end(ap);
	return -code;
}

bool dm_err_has_extack(const struct dm_err *e)
{
	return e->extack[0] || e->miss_type >= 0 || e->bad_attr_off >= 0;
}

const char *dm_errno_name(int code)
{
	static __thread char buf[16];

	switch (code) {
	case 0: return "success";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EINTR: return "EINTR";
	case EIO: return "EIO";
	case EBADF: return "EBADF";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case ENOSPC: return "ENOSPC";
	case ERANGE: return "ERANGE";
	case E2BIG: return "E2BIG";
	case ENODATA: return "ENODATA";
	case EPROTO: return "EPROTO";
	case EMSGSIZE: return "EMSGSIZE";
	case ENOPROTOOPT: return "ENOPROTOOPT";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ENETDOWN: return "ENETDOWN";
	case ETIMEDOUT: return "ETIMEDOUT";
	case ECONNRESET: return "ECONNRESET";
	case EILSEQ: return "EILSEQ";
	default:
		snprintf(buf, sizeof(buf), "errno %d", code);
		return buf;
	}
}

const char *dm_strerr(const struct dm_err *e)
{
	static __thread char buf[640];
	int n;

	n = snprintf(buf, sizeof(buf), "%s: %s", e->what[0] ? e->what : "?",
		     e->code ? strerror(e->code) : "failed");
	if (e->extack[0] && n < (int)sizeof(buf))
		n += snprintf(buf + n, sizeof(buf) - n, " (kernel: %s)",
			      e->extack);
	if (e->miss_type >= 0 && n < (int)sizeof(buf))
		snprintf(buf + n, sizeof(buf) - n,
			 " (kernel: missing attribute %d)", e->miss_type);
	return buf;
}

/* ---- generic netlink --------------------------------------------------- */

bool dm_nl_is_open(const struct dm_nl *nl)
{
	return !!nl->sock;
}

void dm_nl_close(struct dm_nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
}

static struct nlmsghdr *dm_nl_put(struct dm_nl *nl, void *buf, uint16_t type,
				  uint8_t cmd, uint8_t version, uint16_t flags)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;

	memset(buf, 0, MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*genl)));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++nl->seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = version;
	return nlh;
}

struct nlmsghdr *dm_nl_req(struct dm_nl *nl, void *buf, uint8_t cmd,
			   uint16_t flags)
{
	return dm_nl_put(nl, buf, nl->family_id, cmd, nl->version, flags);
}

struct dm_talk {
	mnl_cb_t cb;
	void *data;
	struct dm_err *e;
	int code;		/* errno reported by the kernel */
};

/* Record the extended ACK TLVs that follow the error code at @off. */
static void dm_nl_parse_extack(const struct nlmsghdr *nlh, size_t off,
			       struct dm_err *e)
{
	const struct nlattr *attr;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	mnl_attr_for_each(attr, nlh, off) {
		switch (mnl_attr_get_type(attr)) {
		case NLMSGERR_ATTR_MSG:
			if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
				break;
			snprintf(e->extack, sizeof(e->extack), "%s",
				 mnl_attr_get_str(attr));
			break;
		case NLMSGERR_ATTR_OFFS:
			if (mnl_attr_validate(attr, MNL_TYPE_U32) >= 0)
				e->bad_attr_off = mnl_attr_get_u32(attr);
			break;
		case NLMSGERR_ATTR_MISS_TYPE:
			if (mnl_attr_validate(attr, MNL_TYPE_U32) >= 0)
				e->miss_type = mnl_attr_get_u32(attr);
			break;
		}
	}
}

static int dm_nl_error_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dm_talk *t = data;
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	size_t off = sizeof(*err);

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*err))) {
		t->code = EBADMSG;
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (err->error == 0)
		return MNL_CB_STOP;	/* the ACK */

	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += MNL_ALIGN(err->msg.nlmsg_len - sizeof(struct nlmsghdr));
	dm_nl_parse_extack(nlh, off, t->e);
	t->code = -err->error;
	errno = t->code;
	return MNL_CB_ERROR;
}

static int dm_nl_done_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dm_talk *t = data;
	int err;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(int))
		return MNL_CB_STOP;
	memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	if (err >= 0)
		return MNL_CB_STOP;
	dm_nl_parse_extack(nlh, sizeof(int), t->e);
	t->code = -err;
	errno = t->code;
	return MNL_CB_ERROR;
}

static int dm_nl_overrun_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dm_talk *t = data;

	(void)nlh;
	t->code = ENOBUFS;
	errno = ENOBUFS;
	return MNL_CB_ERROR;
}

static int dm_nl_data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dm_talk *t = data;
	int ret;

	if (!t->cb)
		return MNL_CB_OK;
	errno = 0;
	ret = t->cb(nlh, t->data);
	if (ret == MNL_CB_ERROR)
		t->code = errno ? errno : EPROTO;
	return ret;
}

/* libmnl takes a non-const array; it is never modified. */
static mnl_cb_t dm_nl_ctl_cbs[NLMSG_MIN_TYPE] = {
	[NLMSG_ERROR] = dm_nl_error_cb,
	[NLMSG_DONE] = dm_nl_done_cb,
	[NLMSG_OVERRUN] = dm_nl_overrun_cb,
};

int dm_nl_talk(struct dm_nl *nl, struct nlmsghdr *req, mnl_cb_t cb,
	       void *data, const char *what, struct dm_err *e)
{
	static __thread char buf[DM_NL_BUFSZ] __attribute__((aligned(8)));
	struct dm_talk t = { .cb = cb, .data = data, .e = e };
	struct dm_err scratch;
	unsigned int seq = req->nlmsg_seq;
	ssize_t n;
	int ret;

	if (!e)
		e = &scratch;
	t.e = e;
	dm_err_set(e, 0, "%s", what);
	req->nlmsg_flags |= NLM_F_ACK;

	if (mnl_socket_sendto(nl->sock, req, req->nlmsg_len) < 0) {
		t.code = errno;
		goto fail;
	}
	for (;;) {
		n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			t.code = errno;
			goto fail;
		}
		errno = 0;
		ret = mnl_cb_run2(buf, n, seq, nl->portid, dm_nl_data_cb, &t,
				  dm_nl_ctl_cbs, NLMSG_MIN_TYPE);
		if (ret == MNL_CB_ERROR) {
			if (!t.code)
				t.code = errno ? errno : EPROTO;
			goto fail;
		}
		if (ret == MNL_CB_STOP)
			return 0;
	}
fail:
	e->code = t.code;
	return -t.code;
}

struct dm_family {
	uint16_t id;
	bool found;
};

static int dm_family_attr_cb(const struct nlattr *attr, void *data)
{
	struct dm_family *f = data;

	if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID &&
	    mnl_attr_validate(attr, MNL_TYPE_U16) >= 0) {
		f->id = mnl_attr_get_u16(attr);
		f->found = true;
	}
	return MNL_CB_OK;
}

static int dm_family_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr),
			      dm_family_attr_cb, data);
}

int dm_nl_open(struct dm_nl *nl, const char *family, uint8_t version,
	       struct dm_err *e)
{
	char buf[256] __attribute__((aligned(8)));
	struct dm_family f = { 0 };
	struct nlmsghdr *nlh;
	int one = 1;
	int ret;

	memset(nl, 0, sizeof(*nl));
	snprintf(nl->family, sizeof(nl->family), "%s", family);
	nl->version = version;
	nl->seq = (unsigned int)time(NULL);

	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sock)
		return dm_fail(e, errno, "socket(AF_NETLINK, NETLINK_GENERIC)");
	/* Best effort: old kernels have no extended ACKs. */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = dm_fail(e, errno, "bind(AF_NETLINK)");
		goto err_close;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);

	nlh = dm_nl_put(nl, buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, family);
	ret = dm_nl_talk(nl, nlh, dm_family_cb, &f,
			 "resolve generic netlink family", e);
	if (ret == -ENOENT) {
		dm_err_set(e, ENOENT,
			   "generic netlink family \"%s\" not found", family);
		goto err_close;
	}
	if (ret < 0)
		goto err_close;
	if (!f.found) {
		ret = dm_fail(e, EPROTO,
			      "resolve family \"%s\": no family id in reply",
			      family);
		goto err_close;
	}
	nl->family_id = f.id;
	return 0;

err_close:
	dm_nl_close(nl);
	return ret;
}

/* ---- netdev family ----------------------------------------------------- */

static int dm_u32_attr_cb(const struct nlattr *attr, void *data)
{
	uint32_t *out = data;	/* out[0] = wanted type, out[1] = found, out[2] = value */

	if (mnl_attr_get_type(attr) == out[0] &&
	    mnl_attr_validate(attr, MNL_TYPE_U32) >= 0) {
		out[1] = 1;
		out[2] = mnl_attr_get_u32(attr);
	}
	return MNL_CB_OK;
}

static int dm_bind_reply_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), dm_u32_attr_cb,
			      data);
}

int dm_bind_rx_raw(struct dm_nl *nl, const struct dm_bind_rx_req *req,
		   uint32_t *id, struct dm_err *e)
{
	static __thread char buf[DM_NL_BUFSZ] __attribute__((aligned(8)));
	uint32_t reply[3] = { NETDEV_A_DMABUF_ID, 0, 0 };
	struct nlmsghdr *nlh;
	unsigned int i;
	int ret;

	if (req->nqueues > DM_BIND_MAX_QUEUES)
		return dm_fail(e, E2BIG, "bind-rx: more than %d queues",
			       DM_BIND_MAX_QUEUES);

	nlh = dm_nl_req(nl, buf, NETDEV_CMD_BIND_RX, 0);
	if (req->attrs & DM_BIND_IFINDEX)
		mnl_attr_put_u32(nlh, NETDEV_A_DMABUF_IFINDEX, req->ifindex);
	if (req->attrs & DM_BIND_FD)
		mnl_attr_put_u32(nlh, NETDEV_A_DMABUF_FD, req->fd);
	if (req->attrs & DM_BIND_QUEUES) {
		for (i = 0; i < req->nqueues; i++) {
			struct nlattr *nest;

			nest = mnl_attr_nest_start(nlh, NETDEV_A_DMABUF_QUEUES);
			mnl_attr_put_u32(nlh, NETDEV_A_QUEUE_ID,
					 req->queues[i].id);
			if (req->queues[i].type != DM_QUEUE_TYPE_OMIT)
				mnl_attr_put_u32(nlh, NETDEV_A_QUEUE_TYPE,
						 req->queues[i].type);
			mnl_attr_nest_end(nlh, nest);
		}
	}

	ret = dm_nl_talk(nl, nlh, dm_bind_reply_cb, reply, "netdev bind-rx", e);
	if (ret < 0)
		return ret;
	if (!reply[1])
		return dm_fail(e, EPROTO, "netdev bind-rx: reply has no binding id");
	if (id)
		*id = reply[2];
	return 0;
}

int dm_bind_rx(struct dm_nl *nl, int ifindex, int dmabuf_fd,
	       unsigned int first, unsigned int count, uint32_t *id,
	       struct dm_err *e)
{
	struct dm_queue_id q[DM_BIND_MAX_QUEUES];
	struct dm_bind_rx_req req = {
		.attrs = DM_BIND_ALL,
		.ifindex = ifindex,
		.fd = dmabuf_fd,
		.queues = q,
		.nqueues = count,
	};
	unsigned int i;

	if (count == 0 || count > DM_BIND_MAX_QUEUES)
		return dm_fail(e, EINVAL, "bind-rx: queue count %u not in 1..%d",
			       count, DM_BIND_MAX_QUEUES);
	for (i = 0; i < count; i++) {
		q[i].id = first + i;
		q[i].type = NETDEV_QUEUE_TYPE_RX;
	}
	return dm_bind_rx_raw(nl, &req, id, e);
}

int dm_bind_tx(struct dm_nl *nl, int ifindex, int dmabuf_fd, uint32_t *id,
	       struct dm_err *e)
{
	static __thread char buf[DM_NL_BUFSZ] __attribute__((aligned(8)));
	uint32_t reply[3] = { NETDEV_A_DMABUF_ID, 0, 0 };
	struct nlmsghdr *nlh;
	int ret;

	nlh = dm_nl_req(nl, buf, NETDEV_CMD_BIND_TX, 0);
	mnl_attr_put_u32(nlh, NETDEV_A_DMABUF_IFINDEX, ifindex);
	mnl_attr_put_u32(nlh, NETDEV_A_DMABUF_FD, dmabuf_fd);
	ret = dm_nl_talk(nl, nlh, dm_bind_reply_cb, reply, "netdev bind-tx", e);
	if (ret < 0)
		return ret;
	if (!reply[1])
		return dm_fail(e, EPROTO, "netdev bind-tx: reply has no binding id");
	if (id)
		*id = reply[2];
	return 0;
}

static int dm_queue_attr_cb(const struct nlattr *attr, void *data)
{
	struct dm_queue_info *qi = data;

	switch (mnl_attr_get_type(attr)) {
	case NETDEV_A_QUEUE_DMABUF:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) >= 0) {
			qi->has_dmabuf = true;
			qi->dmabuf = mnl_attr_get_u32(attr);
		}
		break;
	case NETDEV_A_QUEUE_NAPI_ID:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) >= 0) {
			qi->has_napi_id = true;
			qi->napi_id = mnl_attr_get_u32(attr);
		}
		break;
	}
	return MNL_CB_OK;
}

static int dm_queue_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), dm_queue_attr_cb,
			      data);
}

int dm_queue_get(struct dm_nl *nl, int ifindex, uint32_t qid, uint32_t type,
		 struct dm_queue_info *qi, struct dm_err *e)
{
	char buf[512] __attribute__((aligned(8)));
	struct nlmsghdr *nlh;

	memset(qi, 0, sizeof(*qi));
	nlh = dm_nl_req(nl, buf, NETDEV_CMD_QUEUE_GET, 0);
	mnl_attr_put_u32(nlh, NETDEV_A_QUEUE_IFINDEX, ifindex);
	mnl_attr_put_u32(nlh, NETDEV_A_QUEUE_TYPE, type);
	mnl_attr_put_u32(nlh, NETDEV_A_QUEUE_ID, qid);
	return dm_nl_talk(nl, nlh, dm_queue_cb, qi, "netdev queue-get", e);
}

/* ---- ethtool: header split --------------------------------------------- */

const char *dm_hds_name(int mode)
{
	switch (mode) {
	case ETHTOOL_TCP_DATA_SPLIT_UNKNOWN: return "unknown";
	case ETHTOOL_TCP_DATA_SPLIT_DISABLED: return "disabled";
	case ETHTOOL_TCP_DATA_SPLIT_ENABLED: return "enabled";
	default: return "invalid";
	}
}

static struct nlmsghdr *dm_rings_req(struct dm_nl *eth, void *buf,
				     uint8_t cmd, int ifindex)
{
	struct nlmsghdr *nlh = dm_nl_req(eth, buf, cmd, 0);
	struct nlattr *hdr;

	hdr = mnl_attr_nest_start(nlh, ETHTOOL_A_RINGS_HEADER);
	mnl_attr_put_u32(nlh, ETHTOOL_A_HEADER_DEV_INDEX, ifindex);
	mnl_attr_nest_end(nlh, hdr);
	return nlh;
}

static int dm_rings_attr_cb(const struct nlattr *attr, void *data)
{
	int *mode = data;

	if (mnl_attr_get_type(attr) == ETHTOOL_A_RINGS_TCP_DATA_SPLIT &&
	    mnl_attr_validate(attr, MNL_TYPE_U8) >= 0)
		*mode = mnl_attr_get_u8(attr);
	return MNL_CB_OK;
}

static int dm_rings_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), dm_rings_attr_cb,
			      data);
}

int dm_hds_get(int ifindex, int *mode, struct dm_err *e)
{
	char buf[512] __attribute__((aligned(8)));
	struct nlmsghdr *nlh;
	struct dm_nl eth;
	int ret;

	*mode = ETHTOOL_TCP_DATA_SPLIT_UNKNOWN;
	ret = dm_nl_open(&eth, ETHTOOL_GENL_NAME, ETHTOOL_GENL_VERSION, e);
	if (ret < 0)
		return ret;
	nlh = dm_rings_req(&eth, buf, ETHTOOL_MSG_RINGS_GET, ifindex);
	ret = dm_nl_talk(&eth, nlh, dm_rings_cb, mode, "ethtool rings-get", e);
	dm_nl_close(&eth);
	return ret;
}

int dm_hds_set(int ifindex, int mode, struct dm_err *e)
{
	char buf[512] __attribute__((aligned(8)));
	struct nlmsghdr *nlh;
	struct dm_nl eth;
	char what[64];
	int ret;

	ret = dm_nl_open(&eth, ETHTOOL_GENL_NAME, ETHTOOL_GENL_VERSION, e);
	if (ret < 0)
		return ret;
	nlh = dm_rings_req(&eth, buf, ETHTOOL_MSG_RINGS_SET, ifindex);
	mnl_attr_put_u8(nlh, ETHTOOL_A_RINGS_TCP_DATA_SPLIT, mode);
	snprintf(what, sizeof(what), "ethtool rings-set tcp-data-split %s",
		 dm_hds_name(mode));
	ret = dm_nl_talk(&eth, nlh, NULL, NULL, what, e);
	dm_nl_close(&eth);
	return ret;
}

int dm_hds_enable(int ifindex, bool *changed, int *old, struct dm_err *e)
{
	struct dm_err set_err;
	int mode, ret;

	*changed = false;
	ret = dm_hds_get(ifindex, old, e);
	if (ret < 0)
		return ret;
	if (*old == ETHTOOL_TCP_DATA_SPLIT_ENABLED)
		return 0;

	ret = dm_hds_set(ifindex, ETHTOOL_TCP_DATA_SPLIT_ENABLED, &set_err);
	if (ret == 0)
		*changed = true;
	/* Whether or not the kernel could set it, it must now be enabled. */
	ret = dm_hds_get(ifindex, &mode, e);
	if (ret < 0)
		return ret;
	if (mode != ETHTOOL_TCP_DATA_SPLIT_ENABLED) {
		if (!*changed) {
			*e = set_err;
			snprintf(e->what, sizeof(e->what),
				 "tcp-data-split is %s and could not be enabled (%.120s)",
				 dm_hds_name(mode), set_err.what);
			return -e->code;
		}
		return dm_fail(e, EIO,
			       "tcp-data-split still %s after enabling it",
			       dm_hds_name(mode));
	}
	return 0;
}

/* ---- dma-buf ----------------------------------------------------------- */

int dm_udmabuf_create(struct dm_udmabuf *u, size_t size, bool map,
		      struct dm_err *e)
{
	struct udmabuf_create create = { 0 };
	long page = sysconf(_SC_PAGESIZE);
	int devfd, memfd, ret;

	u->fd = -1;
	u->size = size;
	u->map = NULL;
	if (size == 0 || size % page)
		return dm_fail(e, EINVAL,
			       "dma-buf size %zu is not a positive multiple of the page size %ld",
			       size, page);

	devfd = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	if (devfd < 0)
		return dm_fail(e, errno, "open /dev/udmabuf (CONFIG_UDMABUF?)");
	memfd = memfd_create("devmem-udmabuf", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	if (memfd < 0) {
		ret = dm_fail(e, errno, "memfd_create");
		goto out_dev;
	}
	if (fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK) < 0) {
		ret = dm_fail(e, errno, "fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK)");
		goto out_mem;
	}
	if (ftruncate(memfd, size) < 0) {
		ret = dm_fail(e, errno, "ftruncate(memfd, %zu)", size);
		goto out_mem;
	}
	create.memfd = memfd;
	create.flags = UDMABUF_FLAGS_CLOEXEC;
	create.offset = 0;
	create.size = size;
	u->fd = ioctl(devfd, UDMABUF_CREATE, &create);
	if (u->fd < 0) {
		ret = dm_fail(e, errno,
			      "ioctl(UDMABUF_CREATE, %zu bytes) (udmabuf size_limit_mb?)",
			      size);
		u->fd = -1;
		goto out_mem;
	}
	ret = 0;
	if (map) {
		void *p = mmap(NULL, size, PROT_READ, MAP_SHARED, u->fd, 0);

		if (p == MAP_FAILED) {
			ret = dm_fail(e, errno, "mmap(dma-buf, %zu bytes)", size);
			close(u->fd);
			u->fd = -1;
		} else {
			u->map = p;
		}
	}
out_mem:
	close(memfd);	/* the udmabuf holds the pages */
out_dev:
	close(devfd);
	return ret;
}

void dm_udmabuf_destroy(struct dm_udmabuf *u)
{
	if (u->map)
		munmap(u->map, u->size);
	if (u->fd >= 0)
		close(u->fd);
	u->map = NULL;
	u->fd = -1;
}

static int dm_dmabuf_sync(int fd, bool start, bool write, struct dm_err *e)
{
	struct dma_buf_sync sync = {
		.flags = (write ? DMA_BUF_SYNC_WRITE : DMA_BUF_SYNC_READ) |
			 (start ? DMA_BUF_SYNC_START : DMA_BUF_SYNC_END),
	};

	while (ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync) < 0) {
		if (errno == EINTR || errno == EAGAIN)
			continue;
		return dm_fail(e, errno, "ioctl(DMA_BUF_IOCTL_SYNC, %s|%s)",
			       start ? "START" : "END", write ? "WRITE" : "READ");
	}
	return 0;
}

int dm_dmabuf_sync_read(int fd, bool start, struct dm_err *e)
{
	return dm_dmabuf_sync(fd, start, false, e);
}

int dm_dmabuf_sync_write(int fd, bool start, struct dm_err *e)
{
	return dm_dmabuf_sync(fd, start, true, e);
}

/* ---- RX setup ---------------------------------------------------------- */

int dm_rx_setup(struct dm_rx_setup *s, struct dm_err *e)
{
	int ret;

	s->ubuf.fd = -1;
	s->ubuf.map = NULL;
	s->netdev.sock = NULL;
	s->hds_changed = false;
	s->binding_id = 0;

	s->ifindex = if_nametoindex(s->ifname);
	if (!s->ifindex)
		return dm_fail(e, errno, "interface %s", s->ifname);
	if (s->num_queues == 0)
		return dm_fail(e, EINVAL, "number of queues must be at least 1");

	ret = dm_udmabuf_create(&s->ubuf, s->dmabuf_size, s->map, e);
	if (ret < 0)
		return ret;

	if (!s->skip_nic_config) {
		ret = dm_hds_enable(s->ifindex, &s->hds_changed, &s->hds_old, e);
		if (ret < 0)
			goto err;
	}

	ret = dm_nl_open(&s->netdev, NETDEV_FAMILY_NAME, NETDEV_FAMILY_VERSION,
			 e);
	if (ret < 0)
		goto err;
	ret = dm_bind_rx(&s->netdev, s->ifindex, s->ubuf.fd, s->first_queue,
			 s->num_queues, &s->binding_id, e);
	if (ret < 0)
		goto err;
	if (s->binding_id == 0) {
		ret = dm_fail(e, EPROTO, "netdev bind-rx: binding id 0");
		goto err;
	}
	return 0;

err:
	dm_rx_teardown(s);
	return ret;
}

void dm_rx_teardown(struct dm_rx_setup *s)
{
	struct dm_err e;

	/* Unbind first: the queue must be free before its config changes. */
	dm_nl_close(&s->netdev);
	if (s->hds_changed) {
		if (dm_hds_set(s->ifindex, s->hds_old, &e) < 0)
			fprintf(stderr, "%s: warning: could not restore tcp-data-split on %s: %s\n",
				program_invocation_short_name, s->ifname,
				dm_strerr(&e));
		s->hds_changed = false;
	}
	dm_udmabuf_destroy(&s->ubuf);
}

/* ---- parsing ----------------------------------------------------------- */

int dm_parse_uint(const char *s, unsigned long min, unsigned long max,
		  unsigned long *out)
{
	unsigned long v;
	char *end;

	if (!s || !*s || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int dm_parse_size(const char *s, size_t *out)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	if (!s || !*s || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -EINVAL;
	switch (*end) {
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'm':
	case 'M':
		shift = 20;
		break;
	case 'g':
	case 'G':
		shift = 30;
		break;
	}
	if (shift)
		end++;
	if (*end || v > (~0ULL >> shift) || (v << shift) > (size_t)-1)
		return -EINVAL;
	*out = v << shift;
	return 0;
}
