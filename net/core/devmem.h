/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Device memory TCP: dma-buf bindings (private to net/core).
 *
 * A binding maps a dma-buf for a network device and cuts it into PAGE_SIZE
 * net_iovs.  RX bindings are installed as the page_pool memory provider of
 * RX queues; TX bindings let sendmsg() point skb frags at the dma-buf.
 * Structure and lifetime follow mainline's (6.12-6.18).
 */
#ifndef _NET_CORE_DEVMEM_H
#define _NET_CORE_DEVMEM_H

#include <linux/dma-direction.h>
#include <linux/list.h>
#include <linux/refcount.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <net/devmem.h>
#include <net/netmem.h>
#include <net/netmem_provider.h>

struct dma_buf;
struct dma_buf_attachment;
struct gen_pool;
struct net;
struct net_device;
struct netlink_ext_ack;
struct sg_table;
struct sock;

/**
 * struct net_devmem_dmabuf_binding - a dma-buf bound to a network device
 * @dmabuf: the dma-buf (a reference is held)
 * @attachment: its attachment to the device's DMA device (dev->dev.parent)
 * @sgt: the mapped attachment
 * @dev: the network device; NULL once unbound
 * @chunk_pool: free list of the RX net_iovs: one gen_pool chunk per DMA
 *	segment, owned by a struct dmabuf_genpool_chunk_owner
 * @ref: references: the netlink owner (until unbind), every page_pool
 *	using the binding as memory provider, every TX net_iov reference
 *	(skb frags); the last one frees the binding from a work item
 * @list: entry in the netdev netlink family's list of bindings (rtnl)
 * @bound_rxqs: the RX queues (struct netdev_rx_queue *) it is installed on
 * @id: user-visible id (NETDEV_A_DMABUF_ID), from 1, cyclic; 0 = none
 * @direction: DMA_FROM_DEVICE (bind-rx) or DMA_TO_DEVICE (bind-tx)
 * @tx_vec: TX only: the net_iov of every PAGE_SIZE of the dma-buf
 * @size: bytes of the dma-buf covered by the binding
 * @owner_net: netns of the netlink socket that created the binding
 * @owner_portid: netlink port id of that socket
 * @owner_sk: that socket, held (sock_hold()) while the binding is on the
 *	netlink family's list: when it closes, its portid may already name
 *	a newer socket
 * @owner_uid: fsuid of the process that created the binding: TX sends
 *	from it need a socket of that user (or CAP_NET_ADMIN)
 * @tx_unbound: TX only: entry in the list of unbound TX bindings that
 *	skbs still hold (they keep @dev until it unregisters)
 * @free_work: frees the binding after the last reference is dropped
 */
struct net_devmem_dmabuf_binding {
	struct dma_buf *dmabuf;
	struct dma_buf_attachment *attachment;
	struct sg_table *sgt;
	struct net_device *dev;
	struct gen_pool *chunk_pool;
	refcount_t ref;
	struct list_head list;
	struct xarray bound_rxqs;
	u32 id;
	enum dma_data_direction direction;
	struct net_iov **tx_vec;
	size_t size;
	struct net *owner_net;
	u32 owner_portid;
	struct sock *owner_sk;
	kuid_t owner_uid;
	struct list_head tx_unbound;
	struct work_struct free_work;
};

/**
 * struct dmabuf_genpool_chunk_owner - one DMA segment of a binding
 * @area: the segment's net_iovs; area.base_virtual is the segment's offset
 *	inside the dma-buf
 * @binding: the binding
 * @base_dma_addr: device address of the segment's first byte
 */
struct dmabuf_genpool_chunk_owner {
	struct net_iov_area area;
	struct net_devmem_dmabuf_binding *binding;
	dma_addr_t base_dma_addr;
};

static inline struct dmabuf_genpool_chunk_owner *
net_devmem_iov_to_chunk_owner(const struct net_iov *niov)
{
	return container_of(net_iov_owner(niov),
			    struct dmabuf_genpool_chunk_owner, area);
}

static inline struct net_devmem_dmabuf_binding *
net_devmem_iov_binding(const struct net_iov *niov)
{
	return net_devmem_iov_to_chunk_owner(niov)->binding;
}

static inline void
net_devmem_dmabuf_binding_get(struct net_devmem_dmabuf_binding *binding)
{
	refcount_inc(&binding->ref);
}

extern const struct memory_provider_ops dmabuf_devmem_ops;

struct net_devmem_dmabuf_binding *
net_devmem_bind_dmabuf(struct net_device *dev,
		       enum dma_data_direction direction,
		       unsigned int dmabuf_fd,
		       struct netlink_ext_ack *extack);
struct net_devmem_dmabuf_binding *
__net_devmem_bind_dmabuf(struct net_device *dev,
			 enum dma_data_direction direction,
			 struct dma_buf *dmabuf,
			 struct netlink_ext_ack *extack);
void net_devmem_unbind_dmabuf(struct net_devmem_dmabuf_binding *binding);
void net_devmem_tx_unregister_dev(struct net_device *dev);
int net_devmem_bind_dmabuf_to_queue(struct net_device *dev, u32 rxq_idx,
				    struct net_devmem_dmabuf_binding *binding,
				    struct netlink_ext_ack *extack);

/* The chunk layer, separate from the dma-buf so that KUnit can test it */
struct net_devmem_dmabuf_binding *
net_devmem_dmabuf_binding_alloc(struct net_device *dev,
				enum dma_data_direction direction,
				size_t size);
int net_devmem_dmabuf_binding_add_chunk(struct net_devmem_dmabuf_binding *binding,
					dma_addr_t dma_addr, size_t len,
					unsigned long offset,
					struct netlink_ext_ack *extack);
struct net_iov *
net_devmem_alloc_dmabuf(struct net_devmem_dmabuf_binding *binding);
void net_devmem_free_dmabuf(struct net_iov *niov);

#endif /* _NET_CORE_DEVMEM_H */
