package mailbox

// SetLimits makes Fetch's batches and its largest message small for a test; restore puts
// them back.
func SetLimits(chunk, count, bytes, maxSize int) (restore func()) {
	old := []int{fetchChunk, batchCount, batchBytes, maxMessageSz}
	fetchChunk, batchCount, batchBytes, maxMessageSz = chunk, count, bytes, maxSize
	return func() { fetchChunk, batchCount, batchBytes, maxMessageSz = old[0], old[1], old[2], old[3] }
}
