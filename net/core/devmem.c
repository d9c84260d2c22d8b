// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Device memory TCP: dma-buf bindings and their page_pool memory provider.
 *
 * bind-rx / bind-tx (net/core/netdev-genl.c) create a binding: the dma-buf
 * is attached to and mapped for the network device's DMA device, and every
 * DMA segment becomes a chunk of a gen_pool whose PAGE_SIZE allocation
 * units are struct net_iovs.  An RX binding is installed on RX queues as
 * page_pool memory provider (dmabuf_devmem_ops): the driver's page_pool
 * hands out the binding's net_iovs, the NIC writes payload into the
 * dma-buf, and TCP passes offsets into it to user space.  A TX binding
 * gives sendmsg() the net_iov at any offset of the dma-buf.
 *
 * Behaviour follows mainline's devmem implementation (6.12 RX, 6.16 TX);
 * the code is written for 6.1.
 *
 * Locking: creating, installing and unbinding happen under rtnl.  The
 * gen_pool is lockless (allocations in NAPI, frees from any context).  The
 * id xarray is read under RCU by TX lookups.
 */

#include <linux/dma-buf.h>
#include <linux/genalloc.h>
#include <linux/mm.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/types.h>
#include <kunit/visibility.h>
#include <net/devmem.h>
#include <net/inet_connection_sock.h>
#include <net/netlink.h>
#include <net/netmem.h>
#include <net/netmem_provider.h>
#include <net/page_pool.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <net/xfrm.h>
#include <uapi/linux/netdev.h>

#include "devmem.h"

MODULE_IMPORT_NS(DMA_BUF);

/* gen_pool returns 0 for "no memory", so the pool's address space must not
 * contain 0: a chunk's gen_pool address is its offset inside the dma-buf
 * plus this bias (device addresses are not used as gen_pool addresses, a
 * device address may well be 0).
 */
#define NET_DEVMEM_GENPOOL_BASE	PAGE_SIZE

/* All bindings with an id, for TX lookups: id -> binding */
static DEFINE_XARRAY_FLAGS(net_devmem_dmabuf_bindings, XA_FLAGS_ALLOC1);
static u32 net_devmem_id_next;

/* TX bindings unbound while skbs still hold them: they keep their device
 * for those skbs until it goes away (net_devmem_tx_unregister_dev()).
 */
static LIST_HEAD(net_devmem_tx_unbound);
static DEFINE_SPINLOCK(net_devmem_tx_unbound_lock);

static unsigned long net_devmem_niov_genpool_addr(const struct net_iov *niov)
{
	return NET_DEVMEM_GENPOOL_BASE + net_iov_virtual_addr(niov);
}

/**
 * net_is_devmem_iov() - is a net_iov a chunk of a devmem dma-buf binding?
 * @niov: the net_iov
 *
 * Return: true for dma-buf net_iovs (type NET_IOV_DMABUF, as in mainline
 * 6.15+).  Any context.
 */
bool net_is_devmem_iov(const struct net_iov *niov)
{
	return niov->type == NET_IOV_DMABUF;
}
EXPORT_SYMBOL_IF_KUNIT(net_is_devmem_iov);

/**
 * net_devmem_iov_binding_id() - binding id of a devmem net_iov
 * @niov: a net_iov for which net_is_devmem_iov() is true
 *
 * Return: the id user space got from bind-rx/bind-tx (the dmabuf_id of
 * struct dmabuf_cmsg).  Any context; the caller holds a reference on
 * @niov, which keeps the binding alive.
 */
u32 net_devmem_iov_binding_id(const struct net_iov *niov)
{
	return net_devmem_iov_binding(niov)->id;
}
EXPORT_SYMBOL_IF_KUNIT(net_devmem_iov_binding_id);

/**
 * net_devmem_iov_binding_dev() - the device a devmem net_iov may be sent to
 * @niov: a net_iov for which net_is_devmem_iov() is true
 *
 * For the transmit check (mainline's validate_xmit_unreadable_skb()): the
 * dma-buf is mapped for this device only.
 *
 * Return: the binding's network device; NULL once an RX binding was
 * unbound (a TX binding keeps it for the sends still in flight).  Compare
 * the pointer, never use it.
 * Any context; the caller holds a reference on @niov.
 */
struct net_device *net_devmem_iov_binding_dev(const struct net_iov *niov)
{
	return READ_ONCE(net_devmem_iov_binding(niov)->dev);
}

static void net_devmem_free_chunk_owner(struct gen_pool *genpool,
					struct gen_pool_chunk *chunk,
					void *not_used)
{
	struct dmabuf_genpool_chunk_owner *owner = chunk->owner;

	kvfree(owner->area.niovs);
	kfree(owner);
}

/* Release everything a binding holds (the DMA device after the detach).
 * Process context (dma-buf unmap and detach sleep).
 */
static void net_devmem_dmabuf_binding_free(struct net_devmem_dmabuf_binding *binding)
{
	spin_lock(&net_devmem_tx_unbound_lock);
	list_del_init(&binding->tx_unbound);
	spin_unlock(&net_devmem_tx_unbound_lock);

	if (binding->chunk_pool) {
		size_t size = gen_pool_size(binding->chunk_pool);
		size_t avail = gen_pool_avail(binding->chunk_pool);

		/* Every page_pool and TX frag holds a reference, so every
		 * net_iov must be back.  If not, some user still has one:
		 * leak the whole binding rather than free memory in use (and
		 * rather than hit gen_pool_destroy()'s BUG).
		 */
		if (WARN(size != avail,
			 "devmem: binding %u freed with %zu of %zu bytes outstanding, leaking it\n",
			 binding->id, size - avail, size))
			return;

		gen_pool_for_each_chunk(binding->chunk_pool,
					net_devmem_free_chunk_owner, NULL);
		gen_pool_destroy(binding->chunk_pool);
	}

	if (binding->sgt)
		dma_buf_unmap_attachment_unlocked(binding->attachment,
						  binding->sgt,
						  binding->direction);
	if (binding->attachment) {
		struct device *dma_dev = binding->attachment->dev;

		dma_buf_detach(binding->dmabuf, binding->attachment);
		/* taken by __net_devmem_bind_dmabuf() */
		put_device(dma_dev);
	}
	if (binding->dmabuf)
		dma_buf_put(binding->dmabuf);

	xa_destroy(&binding->bound_rxqs);
	kvfree(binding->tx_vec);
	kfree(binding);
}

static void net_devmem_dmabuf_binding_free_work(struct work_struct *work)
{
	struct net_devmem_dmabuf_binding *binding =
		container_of(work, struct net_devmem_dmabuf_binding, free_work);

	net_devmem_dmabuf_binding_free(binding);
}

/**
 * net_devmem_dmabuf_binding_put() - drop a reference on a binding
 * @binding: the binding
 *
 * The last reference frees the binding (unmap, detach, dma_buf_put) from
 * a work item, so any context may drop it.
 */
void net_devmem_dmabuf_binding_put(struct net_devmem_dmabuf_binding *binding)
{
	if (refcount_dec_and_test(&binding->ref))
		schedule_work(&binding->free_work);
}
EXPORT_SYMBOL_IF_KUNIT(net_devmem_dmabuf_binding_put);

/**
 * net_devmem_dmabuf_binding_alloc() - allocate an empty binding
 * @dev: the network device (may be NULL for tests)
 * @direction: DMA_FROM_DEVICE (RX) or DMA_TO_DEVICE (TX)
 * @size: bytes of dma-buf the binding will cover
 *
 * Allocates the binding with one reference (the caller's), an empty chunk
 * pool and, for TX, the offset -> net_iov table.  Segments are added with
 * net_devmem_dmabuf_binding_add_chunk(); the binding has no dma-buf and no
 * id yet.  Drop it with net_devmem_dmabuf_binding_put().
 *
 * Context: process (GFP_KERNEL).
 *
 * Return: the binding, or ERR_PTR(-EINVAL) for a bad direction or a size
 * smaller than a page, ERR_PTR(-ENOMEM).
 */
struct net_devmem_dmabuf_binding *
net_devmem_dmabuf_binding_alloc(struct net_device *dev,
				enum dma_data_direction direction,
				size_t size)
{
	int nid = dev ? dev_to_node(&dev->dev) : NUMA_NO_NODE;
	struct net_devmem_dmabuf_binding *binding;

	if ((direction != DMA_FROM_DEVICE && direction != DMA_TO_DEVICE) ||
	    size < PAGE_SIZE)
		return ERR_PTR(-EINVAL);

	binding = kzalloc_node(sizeof(*binding), GFP_KERNEL, nid);
	if (!binding)
		return ERR_PTR(-ENOMEM);

	binding->dev = dev;
	binding->direction = direction;
	binding->size = size;
	refcount_set(&binding->ref, 1);
	INIT_LIST_HEAD(&binding->list);
	INIT_LIST_HEAD(&binding->tx_unbound);
	binding->owner_uid = current_fsuid();
	xa_init_flags(&binding->bound_rxqs, XA_FLAGS_ALLOC);
	INIT_WORK(&binding->free_work, net_devmem_dmabuf_binding_free_work);

	binding->chunk_pool = gen_pool_create(PAGE_SHIFT, nid);
	if (!binding->chunk_pool)
		goto err_free_binding;

	if (direction == DMA_TO_DEVICE) {
		binding->tx_vec = kvcalloc(size >> PAGE_SHIFT,
					   sizeof(struct net_iov *),
					   GFP_KERNEL);
		if (!binding->tx_vec)
			goto err_destroy_pool;
	}

	return binding;

err_destroy_pool:
	gen_pool_destroy(binding->chunk_pool);
err_free_binding:
	kfree(binding);
	return ERR_PTR(-ENOMEM);
}
EXPORT_SYMBOL_IF_KUNIT(net_devmem_dmabuf_binding_alloc);

/**
 * net_devmem_dmabuf_binding_add_chunk() - add one DMA segment to a binding
 * @binding: a binding from net_devmem_dmabuf_binding_alloc()
 * @dma_addr: device address of the segment
 * @len: length of the segment in bytes
 * @offset: offset of the segment inside the dma-buf
 * @extack: netlink extended ack for the error message
 *
 * Creates one net_iov per PAGE_SIZE of the segment (type NET_IOV_DMABUF,
 * device address precomputed) and adds the segment to the chunk pool (RX
 * allocations) or to the TX offset table.  Segments must be page aligned
 * in address and length (net_iovs are PAGE_SIZE; mainline 7.x rejects
 * misaligned segments too) and lie inside the binding's size.
 *
 * Context: process (GFP_KERNEL); the binding is not in use yet.
 *
 * Return: 0; -EINVAL for a misaligned, empty or out-of-range segment;
 * -EFAULT if a device address does not fit a net_iov; -ENOMEM.
 */
int net_devmem_dmabuf_binding_add_chunk(struct net_devmem_dmabuf_binding *binding,
					dma_addr_t dma_addr, size_t len,
					unsigned long offset,
					struct netlink_ext_ack *extack)
{
	struct dmabuf_genpool_chunk_owner *owner;
	size_t i, num_niovs = len >> PAGE_SHIFT;
	int nid = binding->dev ? dev_to_node(&binding->dev->dev) : NUMA_NO_NODE;
	int err;

	if (!len || !PAGE_ALIGNED(len) || !PAGE_ALIGNED(dma_addr) ||
	    !PAGE_ALIGNED(offset)) {
		NL_SET_ERR_MSG(extack, "dmabuf segment is not page aligned");
		return -EINVAL;
	}
	if (offset > binding->size || len > binding->size - offset) {
		NL_SET_ERR_MSG(extack, "dmabuf segment lies outside the dmabuf");
		return -EINVAL;
	}
	/* net_iov.dma_addr is an unsigned long (it mirrors struct page) */
	if ((dma_addr_t)(unsigned long)(dma_addr + len - 1) !=
	    dma_addr + len - 1) {
		NL_SET_ERR_MSG(extack, "dmabuf DMA address cannot be represented");
		return -EFAULT;
	}

	owner = kzalloc_node(sizeof(*owner), GFP_KERNEL, nid);
	if (!owner)
		return -ENOMEM;

	owner->area.base_virtual = offset;
	owner->area.num_niovs = num_niovs;
	owner->base_dma_addr = dma_addr;
	owner->binding = binding;
	owner->area.niovs = kvcalloc(num_niovs, sizeof(*owner->area.niovs),
				     GFP_KERNEL);
	if (!owner->area.niovs) {
		err = -ENOMEM;
		goto err_free_owner;
	}

	for (i = 0; i < num_niovs; i++) {
		struct net_iov *niov = &owner->area.niovs[i];

		niov->owner = &owner->area;
		niov->type = NET_IOV_DMABUF;
		niov->dma_addr = dma_addr + i * PAGE_SIZE;
	}

	err = gen_pool_add_owner(binding->chunk_pool,
				 NET_DEVMEM_GENPOOL_BASE + offset, dma_addr,
				 len, nid, owner);
	if (err) {
		NL_SET_ERR_MSG(extack, "failed to add dmabuf segment to the pool");
		goto err_free_niovs;
	}

	/* The chunk pool owns @owner from here (freed with the binding) */
	if (binding->tx_vec)
		for (i = 0; i < num_niovs; i++)
			binding->tx_vec[(offset >> PAGE_SHIFT) + i] =
				&owner->area.niovs[i];

	return 0;

err_free_niovs:
	kvfree(owner->area.niovs);
err_free_owner:
	kfree(owner);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(net_devmem_dmabuf_binding_add_chunk);

/**
 * net_devmem_alloc_dmabuf() - take a free net_iov of an RX binding
 * @binding: the binding
 *
 * Context: any (the gen_pool is lockless); used from NAPI refill.
 *
 * Return: a net_iov nobody uses, or NULL if all are in use.
 */
struct net_iov *net_devmem_alloc_dmabuf(struct net_devmem_dmabuf_binding *binding)
{
	struct dmabuf_genpool_chunk_owner *owner;
	unsigned long addr;
	size_t idx;

	addr = gen_pool_alloc_owner(binding->chunk_pool, PAGE_SIZE,
				    (void **)&owner);
	if (!addr)
		return NULL;

	idx = (addr - NET_DEVMEM_GENPOOL_BASE - owner->area.base_virtual) >>
	      PAGE_SHIFT;
	return &owner->area.niovs[idx];
}
EXPORT_SYMBOL_IF_KUNIT(net_devmem_alloc_dmabuf);

/**
 * net_devmem_free_dmabuf() - give a net_iov back to its binding
 * @niov: a net_iov from net_devmem_alloc_dmabuf()
 *
 * Context: any.
 */
void net_devmem_free_dmabuf(struct net_iov *niov)
{
	struct net_devmem_dmabuf_binding *binding = net_devmem_iov_binding(niov);
	unsigned long addr = net_devmem_niov_genpool_addr(niov);

	if (WARN_ON_ONCE(!gen_pool_has_addr(binding->chunk_pool, addr,
					    PAGE_SIZE)))
		return;

	gen_pool_free(binding->chunk_pool, addr, PAGE_SIZE);
}
EXPORT_SYMBOL_IF_KUNIT(net_devmem_free_dmabuf);

/**
 * __net_devmem_bind_dmabuf() - bind a dma-buf to a network device
 * @dev: the network device; its parent device does the DMA
 * @direction: DMA_FROM_DEVICE (bind-rx) or DMA_TO_DEVICE (bind-tx)
 * @dmabuf: the dma-buf (the binding takes its own reference)
 * @extack: netlink extended ack for the error messages
 *
 * Attaches @dmabuf to dev->dev.parent, holding a reference on that DMA
 * device until the binding is freed (after dma_buf_detach()), maps it for
 * @direction, cuts every DMA segment into net_iovs
 * (net_devmem_dmabuf_binding_add_chunk()) and gives the binding an id
 * (cyclic, from 1).  As mainline's
 * net_devmem_bind_dmabuf(); RX queues are added afterwards with
 * net_devmem_bind_dmabuf_to_queue().
 *
 * Context: process, rtnl held.
 *
 * Return: the binding, holding one reference for the caller (dropped by
 * net_devmem_unbind_dmabuf()); ERR_PTR(-EOPNOTSUPP) if the device has no
 * DMA device; the error of dma_buf_attach() or dma_buf_map_attachment();
 * ERR_PTR(-EINVAL) for misaligned segments; ERR_PTR(-ENOMEM); the error of
 * the id allocation (-EBUSY when all ids are taken).
 */
struct net_devmem_dmabuf_binding *
__net_devmem_bind_dmabuf(struct net_device *dev,
			 enum dma_data_direction direction,
			 struct dma_buf *dmabuf,
			 struct netlink_ext_ack *extack)
{
	struct net_devmem_dmabuf_binding *binding;
	struct device *dma_dev = dev->dev.parent;
	struct scatterlist *sg;
	unsigned long offset;
	unsigned int i;
	int err;

	if (!dma_dev) {
		NL_SET_ERR_MSG(extack, "Device doesn't support DMA");
		return ERR_PTR(-EOPNOTSUPP);
	}

	binding = net_devmem_dmabuf_binding_alloc(dev, direction, dmabuf->size);
	if (IS_ERR(binding)) {
		NL_SET_ERR_MSG(extack, "dmabuf too small or out of memory");
		return binding;
	}

	get_dma_buf(dmabuf);
	binding->dmabuf = dmabuf;

	binding->attachment = dma_buf_attach(dmabuf, dma_dev);
	if (IS_ERR(binding->attachment)) {
		err = PTR_ERR(binding->attachment);
		binding->attachment = NULL;
		NL_SET_ERR_MSG(extack, "Failed to bind dmabuf to device");
		goto err_free_binding;
	}
	/* The free work may run after the driver's page_pools dropped
	 * theirs: keep the DMA device until the attachment is gone.
	 */
	get_device(dma_dev);

	binding->sgt = dma_buf_map_attachment_unlocked(binding->attachment,
						       direction);
	if (IS_ERR(binding->sgt)) {
		err = PTR_ERR(binding->sgt);
		binding->sgt = NULL;
		NL_SET_ERR_MSG(extack, "Failed to map dmabuf attachment");
		goto err_free_binding;
	}

	offset = 0;
	for_each_sgtable_dma_sg(binding->sgt, sg, i) {
		err = net_devmem_dmabuf_binding_add_chunk(binding,
							  sg_dma_address(sg),
							  sg_dma_len(sg),
							  offset, extack);
		if (err)
			goto err_free_binding;
		offset += sg_dma_len(sg);
	}

	/* Last, so that TX lookups never see a half-built binding */
	err = xa_alloc_cyclic(&net_devmem_dmabuf_bindings, &binding->id,
			      binding, xa_limit_32b, &net_devmem_id_next,
			      GFP_KERNEL);
	if (err < 0) {
		NL_SET_ERR_MSG(extack, "no free dmabuf binding id");
		goto err_free_binding;
	}

	return binding;

err_free_binding:
	/* Nothing else saw it: free synchronously (process context) */
	net_devmem_dmabuf_binding_free(binding);
	return ERR_PTR(err);
}
EXPORT_SYMBOL_IF_KUNIT(__net_devmem_bind_dmabuf);

/**
 * net_devmem_bind_dmabuf() - bind the dma-buf behind a file descriptor
 * @dev: the network device
 * @direction: DMA_FROM_DEVICE (bind-rx) or DMA_TO_DEVICE (bind-tx)
 * @dmabuf_fd: file descriptor of the dma-buf in the caller's process
 * @extack: netlink extended ack for the error messages
 *
 * dma_buf_get() then __net_devmem_bind_dmabuf().
 *
 * Context: process, rtnl held.
 *
 * Return: the binding, or the dma_buf_get() error (-EBADF for a bad
 * descriptor, -EINVAL for one that is not a dma-buf) or an error of
 * __net_devmem_bind_dmabuf().
 */
struct net_devmem_dmabuf_binding *
net_devmem_bind_dmabuf(struct net_device *dev,
		       enum dma_data_direction direction,
		       unsigned int dmabuf_fd,
		       struct netlink_ext_ack *extack)
{
	struct net_devmem_dmabuf_binding *binding;
	struct dma_buf *dmabuf;

	dmabuf = dma_buf_get(dmabuf_fd);
	if (IS_ERR(dmabuf)) {
		NL_SET_ERR_MSG(extack, "fd is not a dmabuf");
		return ERR_CAST(dmabuf);
	}

	binding = __net_devmem_bind_dmabuf(dev, direction, dmabuf, extack);
	dma_buf_put(dmabuf);
	return binding;
}
EXPORT_SYMBOL_IF_KUNIT(net_devmem_bind_dmabuf);

/**
 * net_devmem_unbind_dmabuf() - undo a bind-rx / bind-tx
 * @binding: the binding
 *
 * Removes the id (no new TX lookups), waits for RCU readers, takes the
 * provider off every RX queue (net_mp_close_rxq() restarts each queue
 * with ordinary pages) and drops the creator's reference.  The binding
 * lives on while page_pools, sockets or skbs still hold its net_iovs.
 * As mainline's net_devmem_unbind_dmabuf().
 *
 * Context: process, rtnl held.
 */
void net_devmem_unbind_dmabuf(struct net_devmem_dmabuf_binding *binding)
{
	struct netdev_rx_queue *rxq;
	unsigned long xa_idx;

	ASSERT_RTNL();

	if (binding->id)
		xa_erase(&net_devmem_dmabuf_bindings, binding->id);

	/* TX lookups found the binding under RCU and take a reference with
	 * refcount_inc_not_zero(): let them finish before ours may be the
	 * last.
	 */
	synchronize_net();

	xa_for_each(&binding->bound_rxqs, xa_idx, rxq) {
		const struct pp_memory_provider_params mp_params = {
			.mp_priv = binding,
			.mp_ops = &dmabuf_devmem_ops,
		};

		net_mp_close_rxq(rxq->dev, get_netdev_rx_queue_index(rxq),
				 &mp_params);
		xa_erase(&binding->bound_rxqs, xa_idx);
	}

	/* A TX binding keeps its device: sends already queued on sockets
	 * hold binding references and must still be allowed out through it
	 * (the dma-buf stays mapped until the last reference goes); new
	 * sends can no longer find the binding.  Until then it is listed,
	 * so that the device going away can still be noticed.
	 */
	if (binding->direction == DMA_TO_DEVICE && READ_ONCE(binding->dev)) {
		spin_lock(&net_devmem_tx_unbound_lock);
		list_add(&binding->tx_unbound, &net_devmem_tx_unbound);
		spin_unlock(&net_devmem_tx_unbound_lock);
	} else {
		WRITE_ONCE(binding->dev, NULL);
	}
	net_devmem_dmabuf_binding_put(binding);
}
EXPORT_SYMBOL_IF_KUNIT(net_devmem_unbind_dmabuf);

/**
 * net_devmem_tx_unregister_dev() - a device with unbound TX bindings goes
 * @dev: the unregistering network device
 *
 * TX bindings that were unbound while skbs still held them keep their
 * device so that those skbs may leave (net_devmem_unbind_dmabuf()).  When
 * the device itself goes, they lose it: the skbs are then dropped at
 * transmit, and no later device at the same address can send from a
 * mapping made for this one.  Bindings still bound are unbound by their
 * owner's unregister handling instead.
 *
 * Context: process, rtnl held (NETDEV_UNREGISTER).
 */
void net_devmem_tx_unregister_dev(struct net_device *dev)
{
	struct net_devmem_dmabuf_binding *binding;

	ASSERT_RTNL();

	spin_lock(&net_devmem_tx_unbound_lock);
	list_for_each_entry(binding, &net_devmem_tx_unbound, tx_unbound)
		if (READ_ONCE(binding->dev) == dev)
			WRITE_ONCE(binding->dev, NULL);
	spin_unlock(&net_devmem_tx_unbound_lock);
}
EXPORT_SYMBOL_IF_KUNIT(net_devmem_tx_unregister_dev);

/**
 * net_devmem_bind_dmabuf_to_queue() - install an RX binding on an RX queue
 * @dev: the network device
 * @rxq_idx: the RX queue
 * @binding: an RX binding of @dev
 * @extack: netlink extended ack for the error messages
 *
 * Installs the binding as the queue's memory provider with
 * net_mp_open_rxq() (which restarts the queue) and records the queue in
 * the binding, so that unbinding takes it off again.
 *
 * Context: process, rtnl held.
 *
 * Return: 0; -EINVAL for a TX binding; an error of net_mp_open_rxq()
 * (-EOPNOTSUPP, -ERANGE, -EINVAL, -EEXIST, -EBUSY, -ENODATA, restart
 * errors); -ENOMEM.
 */
int net_devmem_bind_dmabuf_to_queue(struct net_device *dev, u32 rxq_idx,
				    struct net_devmem_dmabuf_binding *binding,
				    struct netlink_ext_ack *extack)
{
	const struct pp_memory_provider_params mp_params = {
		.mp_priv = binding,
		.mp_ops = &dmabuf_devmem_ops,
	};
	u32 xa_idx;
	int err;

	if (binding->direction != DMA_FROM_DEVICE) {
		NL_SET_ERR_MSG(extack, "dmabuf binding is not for RX");
		return -EINVAL;
	}

	if (rxq_idx >= dev->real_num_rx_queues) {
		NL_SET_ERR_MSG(extack, "rx queue index out of range");
		return -ERANGE;
	}

	/* Record the queue first: nothing to restart if this fails */
	err = xa_alloc(&binding->bound_rxqs, &xa_idx,
		       __netif_get_rx_queue(dev, rxq_idx), xa_limit_32b,
		       GFP_KERNEL);
	if (err)
		return err;

	err = net_mp_open_rxq(dev, rxq_idx, &mp_params, extack);
	if (err) {
		xa_erase(&binding->bound_rxqs, xa_idx);
		return err;
	}

	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(net_devmem_bind_dmabuf_to_queue);

/* Whether @dev gathers and checksums TCP over @family itself.  The CPU may
 * not read devmem payload, so without scatter-gather or a checksum
 * offload every devmem segment would be dropped at transmit
 * (skb_checksum_help() refuses unreadable skbs).  TCP sockets always have
 * NETIF_F_SG | NETIF_F_HW_CSUM in sk_route_caps (software GSO), so the
 * device's own features are what counts.
 */
static bool net_devmem_tx_offloads(const struct net_device *dev,
				   unsigned short family)
{
	netdev_features_t features = READ_ONCE(dev->features);

	if (!(features & NETIF_F_SG))
		return false;
	if (features & NETIF_F_HW_CSUM)
		return true;
	if (family == AF_INET6)
		return features & NETIF_F_IPV6_CSUM;
	return features & NETIF_F_IP_CSUM;
}

/* Whether TCP-MD5 signs @sk's segments (which would hash the payload):
 * the socket has a key for its peer.  Socket locked.
 */
static bool net_devmem_sk_md5(const struct sock *sk)
{
#ifdef CONFIG_TCP_MD5SIG
	const struct tcp_sock *tp = tcp_sk(sk);
	bool md5;

	if (sk->sk_protocol != IPPROTO_TCP ||
	    !rcu_access_pointer(tp->md5sig_info))
		return false;

	rcu_read_lock();
	md5 = !!tp->af_specific->md5_lookup(sk, sk);
	rcu_read_unlock();
	return md5;
#else
	return false;
#endif
}

/**
 * net_devmem_get_binding() - find the TX binding a sendmsg() names
 * @sk: a TCP socket, locked by the caller
 * @dmabuf_id: the id from bind-tx (SCM_DEVMEM_DMABUF cmsg)
 *
 * The dma-buf is mapped for one device only, so the socket's route must
 * leave through that device; a missing route is rebuilt first.  As
 * mainline's net_devmem_get_binding() (6.16), plus checks of our own:
 * the socket must belong to the user who bound the dma-buf (or its sender
 * have CAP_NET_ADMIN); the device must offload scatter-gather and the TCP
 * checksum (checked on every send, so turning an offload off takes effect
 * on the next one); and neither IPsec nor TCP-MD5 may apply, as both
 * need the payload.
 *
 * Context: process, socket locked.
 *
 * Return: the binding with a reference the caller drops with
 * net_devmem_dmabuf_binding_put(); ERR_PTR(-EINVAL) if @dmabuf_id is no
 * (live) TX binding; ERR_PTR(-EPERM) if it is another user's;
 * ERR_PTR(-EHOSTUNREACH) if no route can be built; ERR_PTR(-ENODEV) if
 * the route does not use the bound device; ERR_PTR(-EOPNOTSUPP) if that
 * device has scatter-gather or checksum offload (for the route's address
 * family) turned off, or the route is an IPsec one, or the socket uses
 * TCP-MD5.
 */
struct net_devmem_dmabuf_binding *
net_devmem_get_binding(struct sock *sk, unsigned int dmabuf_id)
{
	struct net_devmem_dmabuf_binding *binding;
	struct dst_entry *dst;
	int err;

	rcu_read_lock();
	binding = xa_load(&net_devmem_dmabuf_bindings, dmabuf_id);
	if (binding && (binding->direction != DMA_TO_DEVICE ||
			!refcount_inc_not_zero(&binding->ref)))
		binding = NULL;
	rcu_read_unlock();

	if (!binding)
		return ERR_PTR(-EINVAL);

	/* The id is a small integer anyone can guess: only sockets of the
	 * user who bound the dma-buf (or an admin's) may send from it.
	 */
	if (!uid_eq(sk->sk_uid, binding->owner_uid) &&
	    !ns_capable(sock_net(sk)->user_ns, CAP_NET_ADMIN)) {
		err = -EPERM;
		goto err_put;
	}

	/* No route (e.g. it expired): rebuild it */
	dst = __sk_dst_get(sk);
	if (unlikely(!dst)) {
		if (inet_csk(sk)->icsk_af_ops->rebuild_header(sk)) {
			err = -EHOSTUNREACH;
			goto err_put;
		}
		dst = __sk_dst_get(sk);
	}

	if (!dst || !dst->dev || dst->dev != READ_ONCE(binding->dev)) {
		err = -ENODEV;
		goto err_put;
	}

	/* Nothing may need the payload on the way out: not the device (its
	 * offloads), not IPsec (ESP encrypts it in software unless
	 * offloaded) and not TCP-MD5 (the signature hashes it).
	 */
	if (!net_devmem_tx_offloads(dst->dev, dst->ops->family) ||
	    dst_xfrm(dst) || net_devmem_sk_md5(sk)) {
		err = -EOPNOTSUPP;
		goto err_put;
	}

	return binding;

err_put:
	net_devmem_dmabuf_binding_put(binding);
	return ERR_PTR(err);
}

/**
 * net_devmem_tx_skb_err() - why a queued devmem skb can no longer be sent
 * @sk: the TCP socket whose retransmit queue holds @skb
 * @skb: the skb at the head of that queue
 *
 * A devmem skb leaves only through the device its dma-buf is mapped for,
 * and only while that device gathers and checksums it itself (see
 * net_devmem_tx_offloads()).  When that stops being true after the bytes
 * were queued (the device went away, or an offload was turned off), every
 * transmission of @skb is dropped before the driver and the connection
 * can never make progress.  TCP's retransmit timer asks here and ends the
 * connection at once with this error, rather than retrying until
 * tcp_retries2 (a sender blocked for write space would wait for it all
 * that time).  Our own addition: mainline (6.18) leaves such a connection
 * to time out.
 *
 * Context: the socket's retransmit timer (softirq, socket bh-locked, not
 * owned by user) or release_sock() for a deferred one.
 *
 * Return: 0 if @skb can still leave, or if that cannot be told here (a
 * readable skb, no cached route, a route through another device:
 * validate_xmit has the last word then); -ENODEV if @skb's binding lost
 * its device (unregistered); -EOPNOTSUPP if the route's device no longer
 * offloads scatter-gather and the TCP checksum for the route's family.
 */
int net_devmem_tx_skb_err(struct sock *sk, const struct sk_buff *skb)
{
	const struct dst_entry *dst;
	const struct net_device *dev;
	const skb_frag_t *frag;

	if (skb_frags_readable(skb) || !skb_shinfo(skb)->nr_frags)
		return 0;
	frag = &skb_shinfo(skb)->frags[0];
	if (!skb_frag_is_net_iov(frag) ||
	    !net_is_devmem_iov(skb_frag_net_iov(frag)))
		return 0;

	dev = net_devmem_iov_binding_dev(skb_frag_net_iov(frag));
	if (!dev)
		return -ENODEV;

	dst = __sk_dst_get(sk);
	if (!dst || dst->dev != dev)
		return 0;
	if (!net_devmem_tx_offloads(dev, dst->ops->family))
		return -EOPNOTSUPP;
	return 0;
}

/**
 * net_devmem_get_niov_at() - the TX net_iov at an offset of the dma-buf
 * @binding: a TX binding
 * @offset: byte offset inside the dma-buf
 * @niov_off: set to the offset of @offset inside the returned net_iov
 * @size: set to the bytes from @offset to the end of the net_iov
 *
 * Context: any; the caller holds a binding reference.
 *
 * Return: the net_iov, or NULL if @offset is outside the dma-buf (or
 * @binding is not a TX binding).
 */
struct net_iov *
net_devmem_get_niov_at(struct net_devmem_dmabuf_binding *binding,
		       size_t offset, size_t *niov_off, size_t *size)
{
	struct net_iov *niov;

	if (!binding->tx_vec || offset >= binding->size ||
	    (offset >> PAGE_SHIFT) >= (binding->size >> PAGE_SHIFT))
		return NULL;

	niov = binding->tx_vec[offset >> PAGE_SHIFT];
	if (!niov)
		return NULL;

	*niov_off = offset & ~PAGE_MASK;
	*size = PAGE_SIZE - *niov_off;
	return niov;
}
EXPORT_SYMBOL_IF_KUNIT(net_devmem_get_niov_at);

/**
 * net_iov_get() - take a reference on a dma-buf net_iov
 * @niov: the net_iov
 *
 * An RX net_iov (owned by a page_pool) gets one more page_pool reference
 * (pp_ref_count); a TX net_iov (no page_pool) a reference on its binding.
 * Any context; the caller already holds a reference.
 */
void net_iov_get(struct net_iov *niov)
{
	if (niov->pp) {
		atomic_long_inc(&niov->pp_ref_count);
		return;
	}

	if (WARN_ON_ONCE(!net_is_devmem_iov(niov)))
		return;
	net_devmem_dmabuf_binding_get(net_devmem_iov_binding(niov));
}
EXPORT_SYMBOL(net_iov_get);

/**
 * net_iov_put() - drop a reference taken with net_iov_get()
 * @niov: the net_iov
 *
 * The last page_pool reference on an RX net_iov returns it to the pool's
 * provider (page_pool_put_netmem()); a TX reference drops a binding
 * reference.  Any context.
 */
void net_iov_put(struct net_iov *niov)
{
	if (niov->pp) {
		page_pool_put_netmem(niov->pp, net_iov_to_netmem(niov), false);
		return;
	}

	if (WARN_ON_ONCE(!net_is_devmem_iov(niov)))
		return;
	net_devmem_dmabuf_binding_put(net_devmem_iov_binding(niov));
}
EXPORT_SYMBOL(net_iov_put);

/* --- the page_pool memory provider --- */

static int mp_dmabuf_devmem_init(struct page_pool *pool)
{
	struct net_devmem_dmabuf_binding *binding = pool->mp_priv;

	if (!binding || binding->direction != DMA_FROM_DEVICE)
		return -EINVAL;

	/* One net_iov is one page */
	if (pool->p.order != 0)
		return -E2BIG;

	/* The addresses were mapped for the binding's device */
	if (binding->attachment && pool->p.dev != binding->attachment->dev)
		return -EINVAL;

	/* dma-buf memory is never synced (and has no struct page) */
	pool->p.flags &= ~PP_FLAG_DMA_SYNC_DEV;

	net_devmem_dmabuf_binding_get(binding);
	return 0;
}

static netmem_ref mp_dmabuf_devmem_alloc_netmems(struct page_pool *pool,
						 gfp_t gfp)
{
	struct net_devmem_dmabuf_binding *binding = pool->mp_priv;
	struct net_iov *niov;

	niov = net_devmem_alloc_dmabuf(binding);
	if (!niov)
		return 0;

	net_mp_niov_set_page_pool(pool, niov);
	return net_iov_to_netmem(niov);
}

static bool mp_dmabuf_devmem_release_netmem(struct page_pool *pool,
					    netmem_ref netmem)
{
	struct net_iov *niov = netmem_to_net_iov(netmem);

	if (WARN_ON_ONCE(!niov || !net_is_devmem_iov(niov)))
		return false;

	/* page_pool_put_netmem() dropped the last reference */
	WARN_ON_ONCE(atomic_long_read(&niov->pp_ref_count));

	net_mp_niov_clear_page_pool(niov);
	net_devmem_free_dmabuf(niov);
	return false;
}

static void mp_dmabuf_devmem_destroy(struct page_pool *pool)
{
	net_devmem_dmabuf_binding_put(pool->mp_priv);
}

static int mp_dmabuf_devmem_nl_fill(void *mp_priv, struct sk_buff *rsp,
				    struct netdev_rx_queue *rxq)
{
	const struct net_devmem_dmabuf_binding *binding = mp_priv;
	int type = rxq ? NETDEV_A_QUEUE_DMABUF : NETDEV_A_PAGE_POOL_DMABUF;

	return nla_put_u32(rsp, type, binding->id);
}

static void mp_dmabuf_devmem_uninstall(void *mp_priv,
				       struct netdev_rx_queue *rxq)
{
	struct net_devmem_dmabuf_binding *binding = mp_priv;
	struct netdev_rx_queue *bound_rxq;
	unsigned long xa_idx;

	xa_for_each(&binding->bound_rxqs, xa_idx, bound_rxq) {
		if (bound_rxq == rxq) {
			xa_erase(&binding->bound_rxqs, xa_idx);
			break;
		}
	}
}

const struct memory_provider_ops dmabuf_devmem_ops = {
	.init			= mp_dmabuf_devmem_init,
	.destroy		= mp_dmabuf_devmem_destroy,
	.alloc_netmems		= mp_dmabuf_devmem_alloc_netmems,
	.release_netmem		= mp_dmabuf_devmem_release_netmem,
	.nl_fill		= mp_dmabuf_devmem_nl_fill,
	.uninstall		= mp_dmabuf_devmem_uninstall,
};
EXPORT_SYMBOL_IF_KUNIT(dmabuf_devmem_ops);
