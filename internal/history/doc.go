// Package history provides a map with an undo log, for transactional
// caches: a snapshot is just a height in the log.
package history
