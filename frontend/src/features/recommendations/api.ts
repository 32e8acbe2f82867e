import {
  keepPreviousData,
  queryOptions,
  useMutation,
  useQuery,
  useQueryClient,
} from "@tanstack/react-query";
import { api, unwrap, type ApiPaths, type Schemas } from "@/api/client";

export type Recommendation = Schemas["RecommendationView"];
export type RecommendationsQuery = NonNullable<
  ApiPaths["/api/v1/recommendations"]["get"]["parameters"]["query"]
>;

export type RecommendationKind = Schemas["RecommendationKind"];
export type RecommendationStatus = Schemas["RecommendationStatus"];

// Records over the API's enums: the compiler refuses a missing or an unknown value
const KINDS: Record<RecommendationKind, true> = {
  ec2_idle: true,
  ec2_rightsize: true,
  fargate_task: true,
  ecs_task_reservation: true,
  node_group: true,
  lambda_memory: true,
};
const IN_LIFECYCLE_ORDER: Record<RecommendationStatus, true> = {
  open: true,
  accepted: true,
  applied: true,
  dismissed: true,
  superseded: true,
};

/** Every recommendation kind. */
export const RECOMMENDATION_KINDS = Object.keys(KINDS) as RecommendationKind[];
/** Every recommendation status, in lifecycle order. */
export const RECOMMENDATION_STATUSES = Object.keys(IN_LIFECYCLE_ORDER) as RecommendationStatus[];

export function recommendationsOptions(query: RecommendationsQuery) {
  return queryOptions({
    queryKey: ["recommendations", query],
    placeholderData: keepPreviousData,
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/api/v1/recommendations", { params: { query }, signal })),
  });
}

export function useRecommendations(query: RecommendationsQuery) {
  return useQuery(recommendationsOptions(query));
}

export function useRecommendation(id: number) {
  return useQuery({
    queryKey: ["recommendation", id],
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET("/api/v1/recommendations/{recommendation_id}", {
          params: { path: { recommendation_id: id } },
          signal,
        }),
      ),
  });
}

export type RecommendationAction =
  | { action: "accept"; note?: string }
  | { action: "dismiss"; note?: string }
  | { action: "apply"; note?: string; applied_on: string };

export function useRecommendationAction(id: number) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (input: RecommendationAction) => {
      const path = { recommendation_id: id };
      const note = input.note?.trim() ? input.note.trim() : null;
      switch (input.action) {
        case "accept":
          return unwrap(
            await api.POST("/api/v1/recommendations/{recommendation_id}/accept", {
              params: { path },
              body: { note },
            }),
          );
        case "dismiss":
          return unwrap(
            await api.POST("/api/v1/recommendations/{recommendation_id}/dismiss", {
              params: { path },
              body: { note },
            }),
          );
        case "apply":
          return unwrap(
            await api.POST("/api/v1/recommendations/{recommendation_id}/apply", {
              params: { path },
              body: { note, applied_on: input.applied_on },
            }),
          );
      }
    },
    onSuccess: (rec) => {
      client.setQueryData(["recommendation", id], rec);
      void client.invalidateQueries({ queryKey: ["recommendations"] });
      void client.invalidateQueries({ queryKey: ["savings"] });
      void client.invalidateQueries({ queryKey: ["audit"] });
    },
  });
}
