package bookstore

import (
	"context"
	"fmt"

	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// NewGRPCServerWithStreams is NewGRPCServer with the streaming methods
// served too, each by a kitgrpc.StreamServer with the same options; a nil
// stream endpoint leaves its method Unimplemented.
func NewGRPCServerWithStreams(e Endpoints, s StreamEndpoints, opts ...kitgrpc.ServerOption) bookpb.BookServiceServer {
	srv := newGRPCServer(e, opts...)
	if s.WatchBooks != nil {
		srv.watch = kitgrpc.NewStreamServer(s.WatchBooks, decodeGRPCWatch, encodeGRPCEvent, opts...)
	}
	if s.ImportBooks != nil {
		srv.imp = kitgrpc.NewStreamServer(s.ImportBooks, decodeGRPCImport, encodeGRPCImportSummary, opts...)
	}
	if s.SyncBooks != nil {
		srv.sync = kitgrpc.NewStreamServer(s.SyncBooks, decodeGRPCSync, encodeGRPCSyncAnswer, opts...)
	}
	return srv
}

func (s *grpcServer) WatchBooks(r *bookpb.WatchBooksRequest, ss grpc.ServerStreamingServer[bookpb.BookEvent]) error {
	if s.watch == nil {
		return s.UnimplementedBookServiceServer.WatchBooks(r, ss)
	}
	return kitgrpc.ServeServerStream(s.watch, r, ss)
}

func (s *grpcServer) ImportBooks(ss grpc.ClientStreamingServer[bookpb.ImportBooksRequest, bookpb.ImportBooksResponse]) error {
	if s.imp == nil {
		return s.UnimplementedBookServiceServer.ImportBooks(ss)
	}
	return kitgrpc.ServeClientStream(s.imp, ss)
}

func (s *grpcServer) SyncBooks(ss grpc.BidiStreamingServer[bookpb.SyncBooksRequest, bookpb.SyncBooksResponse]) error {
	if s.sync == nil {
		return s.UnimplementedBookServiceServer.SyncBooks(ss)
	}
	return kitgrpc.ServeBidiStream(s.sync, ss)
}

// NewGRPCStreamClient returns StreamEndpoints that call a remote Book
// service's streaming methods over cc. They exchange the same message
// types as MakeStreamEndpoints: a caller hands each a Stream whose Recv
// yields the messages to send (WatchBooksRequest, CreateBookRequest,
// SyncBooksRequest, values or pointers) and whose Send receives the
// answers (BookEvent, ImportBooksResponse, SyncBooksResponse).
func NewGRPCStreamClient(cc grpc.ClientConnInterface, opts ...kitgrpc.ClientOption) StreamEndpoints {
	sd := &bookpb.BookService_ServiceDesc
	return StreamEndpoints{
		WatchBooks: kitgrpc.NewStreamClient(cc, sd, MethodWatchBooks,
			encodeGRPCWatchRequest, decodeGRPCEventResponse, (*bookpb.BookEvent)(nil), opts...).Endpoint(),
		ImportBooks: kitgrpc.NewStreamClient(cc, sd, MethodImportBooks,
			encodeGRPCImportRequest, decodeGRPCImportResponse, (*bookpb.ImportBooksResponse)(nil), opts...).Endpoint(),
		SyncBooks: kitgrpc.NewStreamClient(cc, sd, MethodSyncBooks,
			encodeGRPCSyncRequest, decodeGRPCSyncResponse, (*bookpb.SyncBooksResponse)(nil), opts...).Endpoint(),
	}
}

// Server side: wire messages in, domain messages out, and back.

func decodeGRPCWatch(context.Context, any) (any, error) { return WatchBooksRequest{}, nil }

func decodeGRPCImport(_ context.Context, req any) (any, error) {
	b := req.(*bookpb.ImportBooksRequest).GetBook()
	return CreateBookRequest{Title: b.GetTitle(), Author: b.GetAuthor(), Year: b.GetYear()}, nil
}

func decodeGRPCSync(_ context.Context, req any) (any, error) {
	return fromSyncPB(req.(*bookpb.SyncBooksRequest)), nil
}

func encodeGRPCEvent(_ context.Context, resp any) (any, error) {
	ev, ok := resp.(BookEvent)
	if !ok {
		return nil, fmt.Errorf("bookstore: unexpected event %T", resp)
	}
	return eventPB(ev), nil
}

func encodeGRPCImportSummary(_ context.Context, resp any) (any, error) {
	r, ok := resp.(ImportBooksResponse)
	if !ok {
		return nil, fmt.Errorf("bookstore: unexpected summary %T", resp)
	}
	out := &bookpb.ImportBooksResponse{ImportedCount: int32(r.Imported), FailedCount: int32(r.Failed)}
	for _, f := range r.Failures {
		out.Failures = append(out.Failures, &bookpb.ImportBooksResponse_Failure{Index: int32(f.Index), Title: f.Title, Message: f.Message})
	}
	return out, nil
}

func encodeGRPCSyncAnswer(_ context.Context, resp any) (any, error) {
	r, ok := resp.(SyncBooksResponse)
	if !ok {
		return nil, fmt.Errorf("bookstore: unexpected sync answer %T", resp)
	}
	out := &bookpb.SyncBooksResponse{Id: r.ID, Change: bookpb.SyncBooksResponse_Change(r.Change)}
	if r.Change == SyncChanged || r.Change == SyncAdded {
		out.Book = toPB(r.Book)
	}
	return out, nil
}

// Client side: domain messages out, wire messages in.

func encodeGRPCWatchRequest(_ context.Context, req any) (any, error) {
	if _, err := as[WatchBooksRequest](req); err != nil {
		return nil, err
	}
	return &bookpb.WatchBooksRequest{}, nil
}

func encodeGRPCImportRequest(_ context.Context, req any) (any, error) {
	r, err := as[CreateBookRequest](req)
	if err != nil {
		return nil, err
	}
	return &bookpb.ImportBooksRequest{Book: &bookpb.Book{Title: r.Title, Author: r.Author, Year: r.Year}}, nil
}

func encodeGRPCSyncRequest(_ context.Context, req any) (any, error) {
	r, err := as[SyncBooksRequest](req)
	if err != nil {
		return nil, err
	}
	return &bookpb.SyncBooksRequest{Id: r.ID, CreateTime: timestamppb.New(r.CreateTime)}, nil
}

func decodeGRPCEventResponse(_ context.Context, resp any) (any, error) {
	ev := resp.(*bookpb.BookEvent)
	out := BookEvent{Type: EventType(ev.GetType())}
	if ev.GetBook() != nil {
		out.Book = fromPB(ev.GetBook())
	}
	return out, nil
}

func decodeGRPCImportResponse(_ context.Context, resp any) (any, error) {
	r := resp.(*bookpb.ImportBooksResponse)
	out := ImportBooksResponse{Imported: int(r.GetImportedCount()), Failed: int(r.GetFailedCount())}
	for _, f := range r.GetFailures() {
		out.Failures = append(out.Failures, ImportFailure{Index: int(f.GetIndex()), Title: f.GetTitle(), Message: f.GetMessage()})
	}
	return out, nil
}

func decodeGRPCSyncResponse(_ context.Context, resp any) (any, error) {
	r := resp.(*bookpb.SyncBooksResponse)
	out := SyncBooksResponse{ID: r.GetId(), Change: SyncChange(r.GetChange())}
	if r.GetBook() != nil {
		out.Book = fromPB(r.GetBook())
	}
	return out, nil
}

func eventPB(ev BookEvent) *bookpb.BookEvent {
	out := &bookpb.BookEvent{Type: bookpb.BookEvent_Type(ev.Type)}
	if ev.Type != EventCaughtUp {
		out.Book = toPB(ev.Book)
	}
	return out
}

func fromSyncPB(r *bookpb.SyncBooksRequest) SyncBooksRequest {
	out := SyncBooksRequest{ID: r.GetId()}
	if ts := r.GetCreateTime(); ts != nil {
		out.CreateTime = ts.AsTime()
	}
	return out
}
