// Package exchange is the domain of Xchange Desk: hosts, visitors, the programme and the
// placements that bring them together, with the scheme's booking rules and status flow.
//
// It depends on the standard library and github.com/google/uuid only; persistence lives in
// package store and screens in package ui.
package exchange
